"""The report service between a real gateway (FHIR store) and a real risk service,
with a synthetic patient: a head CT, an AI haemorrhage finding and an anticoagulant.
Synthetic data only; the names are invented.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from radcds.report.v1 import report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.ports import free_port
from radcds_kit.testing.services import ServiceProcess

FINDING = "https://radcds.dev/fhir/CodeSystem/ai-finding"


def _component(code: str, display: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"code": {"coding": [{"system": FINDING, "code": code, "display": display}]}, **value}


def ich_observation(patient: str, study: str, device: str, volume_ml: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "preliminary",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "imaging",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": FINDING,
                    "code": "intracranial-hemorrhage",
                    "display": "Intracranial haemorrhage",
                },
                {
                    "system": "http://snomed.info/sct",
                    "code": "1386000",
                    "display": "Intracranial hemorrhage",
                },
            ],
            "text": "Intracranial haemorrhage",
        },
        "subject": {"reference": patient},
        "derivedFrom": [{"reference": study}],
        "device": {"reference": device},
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": "POS",
                    }
                ]
            }
        ],
        "component": [
            _component(
                "ich-probability",
                "Probability",
                {
                    "valueQuantity": {
                        "value": 0.97,
                        "unit": "1",
                        "system": "http://unitsofmeasure.org",
                        "code": "1",
                    }
                },
            ),
            _component(
                "ich-volume",
                "Volume",
                {
                    "valueQuantity": {
                        "value": volume_ml,
                        "unit": "mL",
                        "system": "http://unitsofmeasure.org",
                        "code": "mL",
                    }
                },
            ),
            _component(
                "ich-intraventricular-extension",
                "Intraventricular extension",
                {"valueBoolean": True},
            ),
            _component("ich-infratentorial", "Infratentorial", {"valueBoolean": False}),
        ],
    }


async def _create(store: FhirStoreClient, resource: dict[str, Any]) -> str:
    stored, _ = await store.put(resource)
    return f"{stored['resourceType']}/{stored['id']}"


async def seed_ich_study(store: FhirStoreClient) -> dict[str, Any]:
    """A new patient and study each time, so that tests sharing a store stay apart."""
    study_uid = f"2.25.{uuid.uuid4().int}"
    patient = await _create(
        store,
        {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:radcds:mrn", "value": "SYN-0001"}],
            "name": [{"family": "Synthetic", "given": ["Ada"]}],
            "gender": "female",
            "birthDate": "1948-03-02",
        },
    )
    practitioner = await _create(
        store, {"resourceType": "Practitioner", "name": [{"family": "Reader", "given": ["Rita"]}]}
    )
    device = await _create(
        store,
        {
            "resourceType": "Device",
            "deviceName": [{"name": "ich_detector", "type": "model-name"}],
            "version": [{"value": "1"}],
            "note": [
                {"text": "Demonstration only: trained on synthetic data, not for clinical use."}
            ],
        },
    )
    study = await _create(
        store,
        {
            "resourceType": "ImagingStudy",
            "status": "available",
            "subject": {"reference": patient},
            "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{study_uid}"}],
            "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}],
            "description": "CT head without contrast",
            "started": "2026-11-28T07:30:00Z",
            "series": [
                {
                    "uid": f"{study_uid}.1",
                    "modality": {
                        "system": "http://dicom.nema.org/resources/ontology/DCM",
                        "code": "CT",
                    },
                    "bodySite": {
                        "system": "http://snomed.info/sct",
                        "code": "69536005",
                        "display": "Head",
                    },
                }
            ],
        },
    )
    await _create(
        store,
        {
            "resourceType": "Observation",
            "status": "final",
            "subject": {"reference": patient},
            "code": {
                "coding": [
                    {
                        "system": "http://loinc.org",
                        "code": "9269-2",
                        "display": "Glasgow coma score total",
                    }
                ]
            },
            "effectiveDateTime": "2026-11-28T07:00:00Z",
            "valueQuantity": {
                "value": 11,
                "unit": "{score}",
                "system": "http://unitsofmeasure.org",
                "code": "{score}",
            },
        },
    )
    await _create(
        store,
        {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": patient},
            "authoredOn": "2026-10-01",
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                        "code": "1364430",
                        "display": "apixaban 5 MG Oral Tablet",
                    }
                ],
                "text": "apixaban",
            },
        },
    )
    finding = await _create(store, ich_observation(patient, study, device, 24.5))
    return {
        "study_uid": study_uid,
        "patient": patient,
        "practitioner": practitioner,
        "device": device,
        "study": study,
        "finding": finding,
    }


@dataclass
class Suite:
    store: FhirStoreClient
    report: "report_pb2_grpc.ReportServiceAsyncStub"
    seeded: dict[str, Any]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    """A gateway, risk and report for the module; each test seeds a study of its own."""
    data = str(tmp_path_factory.mktemp("var"))
    gateway = ServiceProcess(
        "gateway", {"RADCDS_DATA_DIR": data, "RADCDS_GATEWAY_HTTP_PORT": str(free_port())}
    )
    risk = ServiceProcess("risk", {"RADCDS_DATA_DIR": data})
    report = ServiceProcess("report", {
        "RADCDS_DATA_DIR": data,
        "RADCDS_GATEWAY_GRPC_ADDRESS": gateway.address,
        "RADCDS_RISK_GRPC_ADDRESS": risk.address,
    })  # fmt: skip
    started = []
    try:
        for service in (gateway, risk, report):
            started.append(service.start())
        for service in started:
            service.wait_serving()
        yield {"gateway": gateway, "risk": risk, "report": report}
    finally:
        for service in started:
            service.stop()


@pytest.fixture
async def suite(services: dict[str, ServiceProcess]) -> AsyncIterator[Suite]:
    async with (
        grpc.aio.insecure_channel(services["gateway"].address) as gateway_channel,
        grpc.aio.insecure_channel(services["report"].address) as report_channel,
    ):
        store = FhirStoreClient(gateway_channel, client_id="test")
        seeded = await seed_ich_study(store)
        yield Suite(store, report_pb2_grpc.ReportServiceStub(report_channel), seeded)
