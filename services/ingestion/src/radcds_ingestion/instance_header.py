"""Reading and validating the header of a received DICOM Part 10 file.

The file is never decoded and written again: the header is read only to
index the instance and to refuse what cannot be understood.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from radcds_ingestion import statuses
from radcds_ingestion.storage_classes import STORAGE_SOP_CLASSES

# PS3.5 9.1: a UID is dot-separated numeric components without leading zeros, 64 chars at most.
UID_PATTERN = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
UNDEFINED_LENGTH = 0xFFFFFFFF
# Values longer than this are not read while indexing (pixel data, large sequences).
DEFER_BYTES = 16 * 1024


class RejectedInstance(Exception):
    """An instance that is refused, with the PS3.4 Annex B status to return."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class InstanceHeader:
    """What the index keeps about one instance."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    modality: str
    patient_id: str
    patient_name: str
    patient_birth_date: str
    accession_number: str
    study_date: str
    study_time: str
    study_description: str
    series_description: str
    series_number: int | None
    instance_number: int | None
    body_part_examined: str
    slice_thickness_mm: float | None


def is_valid_uid(value: str) -> bool:
    return 0 < len(value) <= 64 and UID_PATTERN.fullmatch(value) is not None


def read_instance_header(path: Path) -> InstanceHeader:
    """Parse and validate a Part 10 file; raise RejectedInstance if it cannot be understood."""
    try:
        dataset = dcmread(path, defer_size=DEFER_BYTES)
    # pydicom raises many types on malformed input: InvalidDicomError, EOFError, zlib.error
    # (a deflated syntax over data that is not), struct.error (a short value), RecursionError
    # (sequences nested thousands deep), the last three found by tests/security fuzzing.
    except Exception as error:
        raise RejectedInstance(statuses.CANNOT_UNDERSTAND, "not a DICOM Part 10 file") from error
    check_not_truncated(dataset, path.stat().st_size)
    return header_from_dataset(dataset)


def check_not_truncated(dataset: Dataset, file_size: int) -> None:
    """Refuse a dataset whose element lengths run past the end of the file."""
    for element in dataset._dict.values():
        if not isinstance(element, RawDataElement) or element.length == UNDEFINED_LENGTH:
            continue
        short_value = element.value is not None and len(element.value) != element.length
        if short_value or element.value_tell + element.length > file_size:
            raise RejectedInstance(statuses.CANNOT_UNDERSTAND, f"truncated at {element.tag}")


def header_from_dataset(dataset: Dataset) -> InstanceHeader:
    meta = dataset.file_meta
    transfer_syntax = _text(meta, "TransferSyntaxUID")
    uids = {
        "transfer syntax": transfer_syntax,
        "SOP class": _text(dataset, "SOPClassUID"),
        "SOP instance": _text(dataset, "SOPInstanceUID"),
        "study": _text(dataset, "StudyInstanceUID"),
        "series": _text(dataset, "SeriesInstanceUID"),
    }
    for what, uid in uids.items():
        if not is_valid_uid(uid):
            raise RejectedInstance(statuses.CANNOT_UNDERSTAND, f"missing or invalid {what} UID")
    if uids["SOP class"] not in STORAGE_SOP_CLASSES:
        raise RejectedInstance(statuses.SOP_CLASS_NOT_SUPPORTED, "SOP class not accepted")
    # PS3.10 7.1: the file meta must name the same instance as the dataset.
    if _text(meta, "MediaStorageSOPInstanceUID") not in ("", uids["SOP instance"]):
        raise RejectedInstance(statuses.CANNOT_UNDERSTAND, "file meta names another instance")
    return _header(dataset, uids)


def _header(dataset: Dataset, uids: dict[str, str]) -> InstanceHeader:
    return InstanceHeader(
        study_instance_uid=uids["study"],
        series_instance_uid=uids["series"],
        sop_instance_uid=uids["SOP instance"],
        sop_class_uid=uids["SOP class"],
        transfer_syntax_uid=uids["transfer syntax"],
        modality=_text(dataset, "Modality"),
        patient_id=_text(dataset, "PatientID"),
        patient_name=_text(dataset, "PatientName"),
        patient_birth_date=_text(dataset, "PatientBirthDate"),
        accession_number=_text(dataset, "AccessionNumber"),
        study_date=_text(dataset, "StudyDate"),
        study_time=_text(dataset, "StudyTime"),
        study_description=_text(dataset, "StudyDescription"),
        series_description=_text(dataset, "SeriesDescription"),
        series_number=_integer(dataset, "SeriesNumber"),
        instance_number=_integer(dataset, "InstanceNumber"),
        body_part_examined=_text(dataset, "BodyPartExamined"),
        slice_thickness_mm=_decimal(dataset, "SliceThickness"),
    )


def _raw(dataset: Dataset, keyword: str) -> Any:
    try:
        return dataset.get(keyword)
    # A value pydicom cannot convert; also NotImplementedError for an unknown VR (fuzzing).
    except Exception:
        return None


def _text(dataset: Dataset, keyword: str) -> str:
    value = _raw(dataset, keyword)
    return "" if value is None else str(value).strip().strip("\x00")


def _integer(dataset: Dataset, keyword: str) -> int | None:
    try:
        return int(_text(dataset, keyword))
    except ValueError:
        return None


def _decimal(dataset: Dataset, keyword: str) -> float | None:
    try:
        return float(_text(dataset, keyword))
    except ValueError:
        return None
