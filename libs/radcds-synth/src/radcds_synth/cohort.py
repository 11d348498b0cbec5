"""Plan and generate synthetic patients: a study, its ground truth and the FHIR record.

Everything about patient `index` of a cohort comes from `(seed, index, as_of)` alone, so
patients can be generated in any order, or one at a time, with the same bytes. `as_of` is the
moment the cohort is "now": every study and record entry is dated in the hours before it, so
the look-back windows of the risk calculators (24 h for GCS, 7 days for INR, 30 days for eGFR)
find them when the cohort is used at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from radcds_synth.chest import LOBES
from radcds_synth.chest_ct import NoduleSpec, write_chest_ct
from radcds_synth.ct_series import Compression
from radcds_synth.geometry import TINY, SeriesSize
from radcds_synth.haemorrhage import HaemorrhageKind
from radcds_synth.haemorrhage_sites import HaemorrhageSpec
from radcds_synth.head_ct import write_head_ct
from radcds_synth.identity import StudyIdentity, UidSource
from radcds_synth.patient_plan import plan_record
from radcds_synth.record import RecordPlan, StudyKind, build_record
from radcds_synth.record_facts import record_facts
from radcds_synth.truth import write_truth

Finding = Literal["ich", "nodule", "normal"]
FINDINGS: tuple[Finding, ...] = ("ich", "nodule", "normal")
# Studies were performed less than this many hours before `as_of`: well inside the shortest
# look-back in services/risk (GCS, 24 h), with room for a demo or a test run in between.
_STUDY_HOURS_BEFORE = 6
# Planted volume ranges (mL): small to large spontaneous bleeds; posterior fossa ones smaller.
_ICH_VOLUME_ML = {
    "intraparenchymal": (4.0, 60.0),
    "intraventricular": (6.0, 50.0),
    "subdural": (15.0, 90.0),
    "infratentorial": (3.0, 18.0),
}


@dataclass(frozen=True)
class PatientPlan:
    """Everything decided about one patient before anything is written."""

    seed: int
    index: int
    finding: Finding
    study_kind: StudyKind
    record: RecordPlan
    study_datetime: dt.datetime
    mrn: str
    accession: str
    haemorrhage: HaemorrhageSpec | None = None
    nodules: tuple[NoduleSpec, ...] = field(default=())

    @property
    def directory_name(self) -> str:
        """Folder name for the patient; an ordinal, never an identifier."""
        return f"patient-{self.index + 1:04d}"


def parse_mix(text: str) -> dict[Finding, float]:
    """`ich=0.3,nodule=0.3,normal=0.4` to shares that sum to 1."""
    shares: dict[Finding, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        finding = next((f for f in FINDINGS if f == name.strip()), None)
        if finding is None:
            raise ValueError(f"unknown finding {name.strip()!r}; expected one of {FINDINGS}")
        shares[finding] = float(value)
    total = sum(shares.values())
    if total <= 0 or any(v < 0 for v in shares.values()):
        raise ValueError(f"mix {text!r} needs non-negative shares with a positive sum")
    return {name: value / total for name, value in shares.items()}


def assign_findings(patients: int, mix: dict[Finding, float], seed: int) -> list[Finding]:
    """Exact counts by largest remainder, in a seeded order."""
    exact = {name: share * patients for name, share in mix.items()}
    counts = {name: int(value) for name, value in exact.items()}
    by_remainder = sorted(exact, key=lambda n: (counts[n] - exact[n], FINDINGS.index(n)))
    for name in by_remainder[: patients - sum(counts.values())]:
        counts[name] += 1
    findings = [name for name in FINDINGS for _ in range(counts.get(name, 0))]
    order = np.random.default_rng([seed, 0x5EED]).permutation(len(findings))
    return [findings[i] for i in order]


def plan_patient(
    seed: int, index: int, finding: Finding, *, as_of: dt.datetime | None = None
) -> PatientPlan:
    """The patient's plan; `as_of` (default: now) is the moment the record is current at."""
    rng = np.random.default_rng([seed, index, 0])
    kind: StudyKind = "head" if finding == "ich" else "chest"
    if finding == "normal":
        kind = "head" if rng.random() < 0.5 else "chest"
    study_datetime = _study_time(rng, utc_naive(as_of or dt.datetime.now(dt.UTC)))
    return PatientPlan(
        seed=seed,
        index=index,
        finding=finding,
        study_kind=kind,
        record=plan_record(rng, finding, kind),
        study_datetime=study_datetime,
        mrn=f"{int(rng.integers(1000, 10000))}{index:06d}",
        accession=f"A{int(rng.integers(10**5, 10**6))}{index:06d}",
        haemorrhage=_haemorrhage(rng) if finding == "ich" else None,
        nodules=_nodules(rng) if finding == "nodule" else (),
    )


def utc_naive(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC without a zone, whole seconds: how study times are kept (the DICOM tags
    carry no zone; the FHIR record writes them with Z). A naive `moment` is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _study_time(rng: np.random.Generator, as_of: dt.datetime) -> dt.datetime:
    # Four draws, as when studies had fixed 2026 dates, so that a seed still plans the same
    # patients (record, MRN, findings) as it did then.
    rng.integers(0, 300)
    before = dt.timedelta(
        hours=int(rng.integers(7, 23)) % _STUDY_HOURS_BEFORE,
        minutes=int(rng.integers(0, 60)),
        seconds=int(rng.integers(0, 60)),
    )
    return as_of - before


def generate_patient(
    out: Path,
    plan: PatientPlan,
    *,
    size: SeriesSize = TINY,
    compression: Compression = "none",
    on_slice: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write the patient's series, bundle.json and truth.json under `out`; return the truth."""
    directory = out / plan.directory_name
    uids = UidSource(plan.seed, plan.index)
    record = build_record(plan.record, uids, plan.study_datetime, plan.mrn, plan.accession)
    imaging = _write_study(directory, plan, record.identity, size, compression, on_slice)
    (directory / "bundle.json").write_text(json.dumps(record.bundle, indent=2) + "\n")
    truth = {
        "synthetic": True,
        "patient_index": plan.index,
        "finding": plan.finding,
        "mrn": plan.mrn,
        "accession_number": plan.accession,
        "study_instance_uid": record.identity.study_uid,
        "study_datetime": plan.study_datetime.isoformat(),
        **imaging,
        "record": {"carebundle_profile": plan.record.profile, **record_facts(record.bundle)},
        "files": {"bundle": "bundle.json", "series": "CT"},
    }
    write_truth(directory / "truth.json", truth)
    return truth


def _write_study(
    directory: Path,
    plan: PatientPlan,
    identity: StudyIdentity,
    size: SeriesSize,
    compression: Compression,
    on_slice: Callable[[int], None] | None,
) -> dict[str, Any]:
    uids = UidSource(plan.seed, plan.index)
    options: dict[str, Any] = {"size": size, "compression": compression, "on_slice": on_slice}
    if plan.study_kind == "head":
        return write_head_ct(directory, identity, uids, haemorrhage=plan.haemorrhage, **options)
    return write_chest_ct(directory, identity, uids, nodules=plan.nodules, **options)


def _haemorrhage(rng: np.random.Generator) -> HaemorrhageSpec:
    kinds: tuple[HaemorrhageKind, ...] = ("intraparenchymal", "intraventricular", "subdural")
    kind = kinds[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
    infra = rng.random() < 0.15
    low, high = _ICH_VOLUME_ML["infratentorial" if infra else kind]
    return HaemorrhageSpec(
        kind=kind,
        volume_ml=round(float(rng.uniform(low, high)), 1),
        compartment="infratentorial" if infra else "supratentorial",
        side="left" if rng.random() < 0.5 else "right",
    )


def _nodules(rng: np.random.Generator) -> tuple[NoduleSpec, ...]:
    lobes = sorted(LOBES)
    return tuple(
        NoduleSpec(
            diameter_mm=round(float(rng.uniform(4.0, 25.0)) * 2) / 2,
            lobe=lobes[int(rng.integers(len(lobes)))],
            texture="part-solid" if rng.random() < 0.25 else "solid",
            solid_fraction=round(float(rng.uniform(0.3, 0.7)), 2),
        )
        for _ in range(int(rng.integers(1, 4)))
    )


def generate_cohort(
    out: Path,
    *,
    patients: int,
    mix: dict[Finding, float],
    seed: int,
    size: SeriesSize = TINY,
    compression: Compression = "none",
    on_slice: Callable[[int], None] | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Generate `patients` patients under `out` and a cohort.json index; return their truths.

    All of them are dated before one `as_of` (default: now)."""
    out.mkdir(parents=True, exist_ok=True)
    now = utc_naive(as_of or dt.datetime.now(dt.UTC))
    truths = []
    for index, finding in enumerate(assign_findings(patients, mix, seed)):
        plan = plan_patient(seed, index, finding, as_of=now)
        truths.append(
            generate_patient(out, plan, size=size, compression=compression, on_slice=on_slice)
        )
    index_entries = [
        {"directory": f"patient-{t['patient_index'] + 1:04d}", "finding": t["finding"]}
        for t in truths
    ]
    cohort = {"seed": seed, "as_of": now.isoformat() + "Z", "patients": index_entries, "mix": mix}
    (out / "cohort.json").write_text(json.dumps(cohort, indent=2, sort_keys=True) + "\n")
    return truths
