"""FHIR R4 resources that describe a received study: ImagingStudy and its Patient."""

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import RowMapping

from radcds_ingestion.index import StudySnapshot

DICOM_UID_SYSTEM = "urn:dicom:uid"
DCM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM"
RFC3986 = "urn:ietf:rfc:3986"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ENDPOINT_TYPE = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type"

FhirJson = dict[str, Any]


def imaging_study_identifier(study_instance_uid: str) -> str:
    """The search token of an ImagingStudy by its Study Instance UID."""
    return f"identifier={DICOM_UID_SYSTEM}|urn:oid:{study_instance_uid}"


def patient_resource(study: RowMapping, mrn_system: str) -> FhirJson:
    patient: FhirJson = {
        "resourceType": "Patient",
        "identifier": [
            {
                "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
                "system": mrn_system,
                "value": study["patient_id"],
            }
        ],
    }
    family, _, given = str(study["patient_name"]).partition("^")
    if family:
        patient["name"] = [{"family": family, "given": [g for g in given.split("^") if g]}]
    if birth_date := fhir_date(study["patient_birth_date"]):
        patient["birthDate"] = birth_date
    return patient


def fhir_date(dicom_date: str) -> str:
    """DICOM DA (YYYYMMDD) to FHIR date; empty when it is not a full date."""
    if len(dicom_date) != 8 or not dicom_date.isdigit():
        return ""
    return f"{dicom_date[:4]}-{dicom_date[4:6]}-{dicom_date[6:]}"


def fhir_datetime(dicom_date: str, dicom_time: str) -> str:
    date = fhir_date(dicom_date)
    digits = dicom_time.split(".")[0]
    if not date or len(digits) < 4 or not digits.isdigit():
        return date
    # FHIR dateTime with a time SHALL carry a time zone, and the DICOM time has none here
    # (TimezoneOffsetFromUTC is not read): the date alone is valid and never wrong.
    return date


def imaging_study_resource(
    snapshot: StudySnapshot, references: dict[str, str], wado_rs_url: str
) -> FhirJson:
    """The ImagingStudy; `references` may hold patient, service_request and id."""
    study = snapshot.study
    series = [_series(rows) for _, rows in _by_series(snapshot.instances)]
    resource: FhirJson = {
        "resourceType": "ImagingStudy",
        "status": "available",
        "contained": [_endpoint(wado_rs_url)],
        "identifier": _identifiers(study),
        "endpoint": [{"reference": "#wado-rs"}],
        "modality": _modalities(series),
        "numberOfSeries": len(series),
        "numberOfInstances": len(snapshot.instances),
        "series": series,
    }
    if references.get("id"):
        resource["id"] = references["id"]
    if references.get("patient"):
        resource["subject"] = {"reference": references["patient"]}
    if references.get("service_request"):
        resource["basedOn"] = [{"reference": references["service_request"]}]
    if started := fhir_datetime(study["study_date"], study["study_time"]):
        resource["started"] = started
    if study["study_description"]:
        resource["description"] = study["study_description"]
    return resource


def _identifiers(study: RowMapping) -> list[FhirJson]:
    identifiers: list[FhirJson] = [
        {"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{study['study_instance_uid']}"}
    ]
    if study["accession_number"]:
        accession_type = {"coding": [{"system": V2_0203, "code": "ACSN"}]}
        identifiers.append({"type": accession_type, "value": study["accession_number"]})
    return identifiers


def _endpoint(wado_rs_url: str) -> FhirJson:
    return {
        "resourceType": "Endpoint",
        "id": "wado-rs",
        "status": "active",
        "connectionType": {"system": ENDPOINT_TYPE, "code": "dicom-wado-rs"},
        "payloadType": [{"text": "DICOM"}],
        "payloadMimeType": ["application/dicom"],
        "address": wado_rs_url,
    }


def _by_series(rows: Sequence[RowMapping]) -> Any:
    ordered = sorted(rows, key=lambda r: (r["series_instance_uid"], r["instance_number"] or 0))
    return groupby(ordered, key=lambda r: r["series_instance_uid"])


def _series(rows_iter: Any) -> FhirJson:
    rows = list(rows_iter)
    first = rows[0]
    series: FhirJson = {
        "uid": first["series_instance_uid"],
        "modality": {"system": DCM_SYSTEM, "code": first["modality"] or "OT"},
        "numberOfInstances": len(rows),
        "instance": [_instance(row) for row in rows],
    }
    if first["series_number"] is not None:
        series["number"] = first["series_number"]
    if first["series_description"]:
        series["description"] = first["series_description"]
    return series


def _instance(row: RowMapping) -> FhirJson:
    instance: FhirJson = {
        "uid": row["sop_instance_uid"],
        "sopClass": {"system": RFC3986, "code": f"urn:oid:{row['sop_class_uid']}"},
    }
    if row["instance_number"] is not None:
        instance["number"] = row["instance_number"]
    return instance


def _modalities(series: list[FhirJson]) -> list[FhirJson]:
    codes = sorted({s["modality"]["code"] for s in series})
    return [{"system": DCM_SYSTEM, "code": code} for code in codes]
