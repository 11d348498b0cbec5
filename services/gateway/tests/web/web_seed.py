"""Synthetic records for the web tests, written through the gateway's FhirStore, and their
preliminary reports composed by the real report service. Names are invented."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient

FINDING = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM = "http://unitsofmeasure.org"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
PRIORITY = {"stat": "S", "routine": "R"}
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
SNOMED = "http://snomed.info/sct"
ICH = "Intracranial haemorrhage"
NOT_FOR_CLINICAL_USE = (
    "AI model trained on synthetic data for demonstration only; not for clinical use."
)


def _part(code: str, display: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"code": {"coding": [{"system": FINDING, "code": code, "display": display}]}, **value}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def ich_finding(
    patient: str, study: str, device: str, volume_ml: float, priority: str
) -> dict[str, Any]:
    code = PRIORITY[priority]
    return {
        "resourceType": "Observation",
        "status": "preliminary",
        "category": [{"coding": [{"system": CATEGORY, "code": "imaging"}]}],
        "code": {
            "coding": [
                {"system": FINDING, "code": "intracranial-hemorrhage", "display": ICH},
                {"system": SNOMED, "code": "1386000", "display": "Intracranial hemorrhage"},
            ],
            "text": ICH,
        },
        "subject": {"reference": patient},
        "derivedFrom": [{"reference": study}],
        "device": {"reference": device},
        "issued": datetime.now(UTC).isoformat(),
        "valueBoolean": True,
        "interpretation": [{"coding": [{"system": INTERPRETATION, "code": "POS"}]}],
        "note": [{"text": NOT_FOR_CLINICAL_USE}],
        "component": [
            _part("ich-probability", "Probability", _quantity(0.97, "1")),
            _part("ich-volume", "Volume", _quantity(volume_ml, "mL")),
            _part("ich-intraventricular-extension", "Intraventricular extension",
                  {"valueBoolean": True}),
            _part("ich-infratentorial", "Infratentorial", {"valueBoolean": False}),
            _part("triage-priority", "AI triage priority", {"valueCodeableConcept": {"coding": [{
                "system": ACT_PRIORITY, "code": code}]}}),
        ],
    }  # fmt: skip


async def _put(store: FhirStoreClient, resource: dict[str, Any]) -> str:
    stored, _ = await store.put(resource)
    return f"{stored['resourceType']}/{stored['id']}"


async def seed_people(store: FhirStoreClient) -> None:
    """The patients and practitioners the realm's dev users are bound to."""
    for pid, given in (("demo-patient-1", "Ada"), ("demo-patient-2", "Bea")):
        await store.put({"resourceType": "Patient", "id": pid, "gender": "female",
                         "name": [{"family": "Synthetic", "given": [given]}],
                         "birthDate": "1948-03-02"})  # fmt: skip
    for pid, family in (("demo-physician", "Physician"), ("demo-radiologist", "Radiologist")):
        await store.put({"resourceType": "Practitioner", "id": pid,
                         "name": [{"family": family, "given": ["Demo"]}]})  # fmt: skip
    await store.put({"resourceType": "Observation", "status": "final",
        "subject": {"reference": "Patient/demo-patient-1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "9269-2",
                             "display": "Glasgow coma score total"}]},
        "effectiveDateTime": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "valueQuantity": {"value": 11, "unit": "{score}", "system": UCUM, "code": "{score}"},
    })  # fmt: skip


async def seed_ich_study(
    store: FhirStoreClient, report: "report_pb2_grpc.ReportServiceAsyncStub", patient_id: str,
    volume_ml: float, priority: str = "stat",
) -> dict[str, str]:  # fmt: skip
    """A head CT with an AI haemorrhage finding and its composed preliminary report."""
    patient = f"Patient/{patient_id}"
    uid = f"2.25.{uuid.uuid4().int}"
    device = await _put(store, {"resourceType": "Device",
        "deviceName": [{"name": "ich_detector", "type": "model-name"}],
        "version": [{"value": "1.0.0"}], "note": [{"text": NOT_FOR_CLINICAL_USE}]})  # fmt: skip
    study = await _put(store, {"resourceType": "ImagingStudy", "status": "available",
        "subject": {"reference": patient}, "description": "CT head without contrast",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid}"}],
        "modality": [{"system": DCM, "code": "CT"}], "started": datetime.now(UTC).isoformat(),
        "series": [{"uid": f"{uid}.1", "modality": {"system": DCM, "code": "CT"}}]})  # fmt: skip
    finding = await _put(store, ich_finding(patient, study, device, volume_ml, priority))
    composed = await report.Compose(report_pb2.ComposeRequest(
        study_instance_uid=uid, imaging_study=common_pb2.FhirReference(reference=study),
        patient=common_pb2.FhirReference(reference=patient),
        findings=[common_pb2.FhirReference(reference=finding)], result_set_digest=uid,
    ))  # fmt: skip
    return {"study": study, "finding": finding, "report": composed.diagnostic_report.reference,
            "patient": patient}  # fmt: skip
