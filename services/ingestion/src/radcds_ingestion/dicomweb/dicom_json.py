"""DICOM JSON (PS3.18 F.2) for QIDO-RS results and WADO-RS metadata."""

from itertools import groupby
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataelem import DataElement
from sqlalchemy import RowMapping

DicomJson = dict[str, Any]
# Values larger than this are left out of metadata (PS3.18 F.2.6 bulk data).
BULK_DATA_BYTES = 1024


def element(vr: str, *values: Any) -> DicomJson:
    present = [value for value in values if value not in (None, "")]
    if not present:
        return {"vr": vr}
    if vr == "PN":
        return {"vr": vr, "Value": [{"Alphabetic": str(value)} for value in present]}
    return {"vr": vr, "Value": present}


def study_attributes(study: RowMapping, totals: dict[str, Any], base_url: str) -> DicomJson:
    uid = study["study_instance_uid"]
    return {
        "00080020": element("DA", study["study_date"]),
        "00080030": element("TM", study["study_time"]),
        "00080050": element("SH", study["accession_number"]),
        "00080061": element("CS", *sorted(set(totals.get("modalities", [])))),
        "00081030": element("LO", study["study_description"]),
        "00081190": element("UR", f"{base_url}/studies/{uid}"),
        "00100010": element("PN", study["patient_name"]),
        "00100020": element("LO", study["patient_id"]),
        "00100030": element("DA", study["patient_birth_date"]),
        "0020000D": element("UI", uid),
        "00201206": element("IS", totals.get("series", 0)),
        "00201208": element("IS", totals.get("instances", 0)),
    }


def series_attributes(rows: list[RowMapping], base_url: str) -> DicomJson:
    first = rows[0]
    study_uid, series_uid = first["study_instance_uid"], first["series_instance_uid"]
    return {
        "00080060": element("CS", first["modality"]),
        "0008103E": element("LO", first["series_description"]),
        "00081190": element("UR", f"{base_url}/studies/{study_uid}/series/{series_uid}"),
        "0020000D": element("UI", study_uid),
        "0020000E": element("UI", series_uid),
        "00200011": element("IS", first["series_number"]),
        "00201209": element("IS", len(rows)),
    }


def series_of(rows: list[RowMapping], base_url: str) -> list[DicomJson]:
    ordered = sorted(rows, key=lambda row: str(row["series_instance_uid"]))
    grouped = groupby(ordered, key=lambda row: str(row["series_instance_uid"]))
    return [series_attributes(list(group), base_url) for _, group in grouped]


def instance_attributes(row: RowMapping, base_url: str) -> DicomJson:
    study_uid, series_uid = row["study_instance_uid"], row["series_instance_uid"]
    sop_uid = row["sop_instance_uid"]
    url = f"{base_url}/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}"
    return {
        "00080016": element("UI", row["sop_class_uid"]),
        "00080018": element("UI", sop_uid),
        "00081190": element("UR", url),
        "0020000D": element("UI", study_uid),
        "0020000E": element("UI", series_uid),
        "00200013": element("IS", row["instance_number"]),
    }


def instance_metadata(path: Path) -> DicomJson:
    """The stored instance's attributes without its pixel data or other bulk data."""
    dataset = dcmread(path, stop_before_pixels=True)
    return dataset.to_json_dict(
        bulk_data_threshold=BULK_DATA_BYTES, bulk_data_element_handler=_omit_bulk_data
    )


def _omit_bulk_data(_element: DataElement) -> str:
    return ""
