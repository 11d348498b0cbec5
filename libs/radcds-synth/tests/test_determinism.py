"""Same seed, same bytes; another seed, another patient."""

from __future__ import annotations

from pathlib import Path

from radcds_synth.cohort import generate_patient, plan_patient


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    for run in ("first", "second"):
        for index, finding in enumerate(("ich", "nodule")):
            plan = plan_patient(seed=5, index=index, finding=finding)
            generate_patient(tmp_path / run, plan, compression="rle")
    first, second = _tree(tmp_path / "first"), _tree(tmp_path / "second")
    assert len(first) > 30
    assert first == second


def test_another_seed_gives_other_identifiers_and_pixels(tmp_path: Path) -> None:
    truths = [
        generate_patient(tmp_path / str(seed), plan_patient(seed=seed, index=0, finding="ich"))
        for seed in (5, 6)
    ]
    assert truths[0]["study_instance_uid"] != truths[1]["study_instance_uid"]
    assert truths[0]["mrn"] != truths[1]["mrn"]
    pixels = [(tmp_path / s / "patient-0001/CT/CT00008.dcm").read_bytes() for s in ("5", "6")]
    assert pixels[0] != pixels[1]
