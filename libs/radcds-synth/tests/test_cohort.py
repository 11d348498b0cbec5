"""Cohort mixes and the generated folder layout."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from radcds_synth.cohort import assign_findings, generate_cohort, parse_mix


def test_mix_is_parsed_and_normalised() -> None:
    assert parse_mix("ich=3,nodule=3,normal=4") == {"ich": 0.3, "nodule": 0.3, "normal": 0.4}
    with pytest.raises(ValueError, match="unknown finding"):
        parse_mix("stroke=1")


@pytest.mark.parametrize("patients", [1, 7, 10, 101])
def test_findings_follow_the_mix_exactly(patients: int) -> None:
    mix = parse_mix("ich=0.3,nodule=0.3,normal=0.4")
    counts = Counter(assign_findings(patients, mix, seed=1))
    assert sum(counts.values()) == patients
    for name, share in mix.items():
        assert abs(counts[name] - share * patients) < 1


def test_cohort_writes_a_study_truth_and_bundle_per_patient(tmp_path: Path) -> None:
    truths = generate_cohort(tmp_path, patients=3, mix=parse_mix("ich=1,nodule=1,normal=1"), seed=3)
    index = json.loads((tmp_path / "cohort.json").read_text())
    assert [p["finding"] for p in index["patients"]] == [t["finding"] for t in truths]
    for entry, truth in zip(index["patients"], truths, strict=True):
        folder = tmp_path / entry["directory"]
        assert json.loads((folder / "truth.json").read_text())["finding"] == truth["finding"]
        assert (folder / "bundle.json").is_file()
        assert len(list((folder / "CT").glob("*.dcm"))) == truth["study"]["instances"]
    nodule = next(t for t in truths if t["finding"] == "nodule")
    assert nodule["nodules"]
    assert all(n["diameter_mm"] >= 4 for n in nodule["nodules"])
