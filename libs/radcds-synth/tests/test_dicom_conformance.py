"""Every generated file is a valid CT image (dciodvfy) and Orthanc stores every study."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pydicom
import pytest

pytestmark = pytest.mark.integration

# storescu proposes only uncompressed syntaxes unless told to propose the file's own.
_PROPOSE = {
    "1.2.840.10008.1.2.1": [],
    "1.2.840.10008.1.2.5": ["-xr"],
    "1.2.840.10008.1.2.4.90": ["-xv"],
}


def _series_files(truth: dict[str, Any]) -> list[Path]:
    return sorted((truth["directory"] / "CT").glob("*.dcm"))


def test_cohort_covers_head_chest_and_every_transfer_syntax(cohort: list[dict[str, Any]]) -> None:
    assert {t["study"]["body_part"] for t in cohort} == {"HEAD", "CHEST"}
    assert {t["study"]["transfer_syntax_uid"] for t in cohort} == set(_PROPOSE)


def test_every_file_passes_dciodvfy_without_errors(
    cohort: list[dict[str, Any]], dciodvfy: str
) -> None:
    for truth in cohort:
        for path in _series_files(truth):
            result = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
            report = result.stdout + result.stderr
            errors = [line for line in report.splitlines() if line.startswith("Error")]
            warnings = [line for line in report.splitlines() if line.startswith("Warning")]
            assert errors == [], f"{path.name}: {errors}"
            assert warnings == [], f"{path.name}: {warnings}"


def test_tags_match_the_truth_and_the_record(cohort: list[dict[str, Any]]) -> None:
    for truth in cohort:
        files = _series_files(truth)
        first, last = pydicom.dcmread(files[0]), pydicom.dcmread(files[-1])
        assert len(files) == truth["study"]["instances"]
        assert first.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
        assert first.file_meta.TransferSyntaxUID == truth["study"]["transfer_syntax_uid"]
        assert (first.PatientID, first.AccessionNumber) == (
            truth["mrn"],
            truth["accession_number"],
        )
        assert first.StudyInstanceUID == truth["study_instance_uid"]
        assert first.BodyPartExamined == truth["study"]["body_part"]
        assert (first.RescaleSlope, first.RescaleIntercept, first.RescaleType) == (1, -1024, "HU")
        thickness = truth["study"]["slice_thickness_mm"]
        rise = float(last.ImagePositionPatient[2]) - float(first.ImagePositionPatient[2])
        assert rise == pytest.approx(thickness * (len(files) - 1), rel=1e-4)
        assert first.pixel_array.shape == (truth["study"]["rows"], truth["study"]["columns"])


def test_orthanc_accepts_every_study(cohort: list[dict[str, Any]], orthanc: Any) -> None:
    for truth in cohort:
        syntax = truth["study"]["transfer_syntax_uid"]
        orthanc.c_store(_series_files(truth), *_PROPOSE[syntax])
    studies = orthanc.get("/studies?expand")
    stored = {s["MainDicomTags"]["StudyInstanceUID"]: s for s in studies}
    assert len(stored) == len(cohort)
    for truth in cohort:
        study = stored[truth["study_instance_uid"]]
        assert study["MainDicomTags"]["AccessionNumber"] == truth["accession_number"]
        (series_id,) = study["Series"]
        instances = orthanc.get(f"/series/{series_id}/instances")
        assert len(instances) == truth["study"]["instances"]
