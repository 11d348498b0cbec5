"""Same seed and same as_of, same bytes; another seed, another patient."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from radcds_synth.cohort import generate_patient, plan_patient

AS_OF = dt.datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt.UTC)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_and_as_of_write_identical_bytes(tmp_path: Path) -> None:
    for run in ("first", "second"):
        for index, finding in enumerate(("ich", "nodule")):
            plan = plan_patient(seed=5, index=index, finding=finding, as_of=AS_OF)
            generate_patient(tmp_path / run, plan, compression="rle")
    first, second = _tree(tmp_path / "first"), _tree(tmp_path / "second")
    assert len(first) > 30
    assert first == second


def test_another_as_of_moves_the_dates_and_nothing_else() -> None:
    plans = [
        plan_patient(seed=5, index=0, finding="ich", as_of=AS_OF + dt.timedelta(days=days))
        for days in (0, 40)
    ]
    assert plans[1].study_datetime - plans[0].study_datetime == dt.timedelta(days=40)
    assert (plans[0].mrn, plans[0].record, plans[0].haemorrhage) == (
        plans[1].mrn,
        plans[1].record,
        plans[1].haemorrhage,
    )


def test_another_seed_gives_other_identifiers_and_pixels(tmp_path: Path) -> None:
    truths = [
        generate_patient(tmp_path / str(seed), plan_patient(seed=seed, index=0, finding="ich"))
        for seed in (5, 6)
    ]
    assert truths[0]["study_instance_uid"] != truths[1]["study_instance_uid"]
    assert truths[0]["mrn"] != truths[1]["mrn"]
    pixels = [(tmp_path / s / "patient-0001/CT/CT00008.dcm").read_bytes() for s in ("5", "6")]
    assert pixels[0] != pixels[1]
