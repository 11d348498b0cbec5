"""The demo's synthetic cohort: patients known to the demo by ordinal only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radcds_cli.demo.findings import Resource

if TYPE_CHECKING:
    from radcds_synth.cohort import Finding

DEMO_FINDINGS: tuple[Finding, ...] = ("ich", "nodule", "normal")


@dataclass
class DemoPatient:
    """One synthetic patient, known to the demo by ordinal only."""

    ordinal: int
    directory: Path
    truth: dict[str, Any]
    patient_id: str = ""
    last_image_at: float = 0.0
    report_at: float = 0.0
    card_at: float = 0.0
    cards: list[Resource] = field(default_factory=list)
    reports: list[Resource] = field(default_factory=list)
    findings: list[Resource] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"patient {self.ordinal} ({self.truth['finding']})"

    @property
    def instances(self) -> list[Path]:
        return sorted((self.directory / "CT").glob("*.dcm"))

    @property
    def bundle(self) -> bytes:
        """The patient's record as the EHR holds it: a FHIR transaction Bundle."""
        return (self.directory / "bundle.json").read_bytes()


def synthesise_cohort(
    out: Path,
    patients: int,
    seed: int,
    size: tuple[int, int],
    on_slice: Callable[[int], None] | None = None,
) -> list[DemoPatient]:
    """Writes `patients` studies and records (ich, nodule, normal, ...); `size` is (matrix,
    slices)."""
    from radcds_synth import SeriesSize, generate_patient, plan_patient

    series = SeriesSize(matrix=size[0], slices=size[1])
    cohort = []
    for index in range(patients):
        plan = plan_patient(seed, index, DEMO_FINDINGS[index % len(DEMO_FINDINGS)])
        truth = generate_patient(out, plan, size=series, on_slice=on_slice)
        cohort.append(DemoPatient(index + 1, out / plan.directory_name, truth))
    return cohort
