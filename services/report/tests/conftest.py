"""The report service between a real gateway (FHIR store) and a real risk service,
with a synthetic patient: a head CT, an AI haemorrhage finding and an anticoagulant.
Synthetic data only; the names are invented.
"""

import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from radcds.report.v1 import report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.ports import free_port
from radcds_kit.testing.services import ServiceProcess
from radcds_report.state import ReportState

sys.path.insert(0, str(Path(__file__).parent))

from report_peers import Clients, Orthanc, Pacs, ingestion_service

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
            service.wait_serving(timeout_s=180)  # three services start at once on two cores
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


def _report(services: dict[str, ServiceProcess], data: str, pacs: list[dict[str, Any]]) -> (
    ServiceProcess
):  # fmt: skip
    return ServiceProcess("report", {
        "RADCDS_DATA_DIR": data,
        "RADCDS_GATEWAY_GRPC_ADDRESS": services["gateway"].address,
        "RADCDS_RISK_GRPC_ADDRESS": services["risk"].address,
        "RADCDS_INGESTION_GRPC_ADDRESS": services["ingestion"].address,
        "RADCDS_REPORT_PACS_DESTINATIONS": json.dumps(pacs),
        "RADCDS_REPORT_PACS_RETRY_BASE_S": "0.2", "RADCDS_REPORT_PACS_RETRY_CAP_S": "1",
        "RADCDS_REPORT_PACS_POLL_S": "0.1",
        "RADCDS_REPORT_KEY_IMAGE_CACHE_BYTES": str(64 * 1024**2),
    })  # fmt: skip


@pytest.fixture(scope="session")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pacs]:
    workdir = tmp_path_factory.mktemp("pacs")
    data, dimse_port = str(workdir / "var"), free_port()
    orthanc, dicomweb = Orthanc(workdir / "orthanc"), Orthanc(workdir / "web", dicomweb=True)
    token = f"test-token-{uuid.uuid4().hex}"
    (workdir / "stow.token").write_text(token + "\n")
    destinations = [
        {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": orthanc.dicom_port},
        {"kind": "stow-rs", "url": dicomweb.stow_url, "token_file": str(workdir / "stow.token")},
    ]
    services: dict[str, ServiceProcess] = {}
    started: list[Orthanc] = []
    try:
        for peer in (orthanc, dicomweb):
            peer.start()
            started.append(peer)
        services["gateway"] = ServiceProcess("gateway", {
            "RADCDS_DATA_DIR": data, "RADCDS_GATEWAY_HTTP_PORT": str(free_port())
        }).start()  # fmt: skip
        services["risk"] = ServiceProcess("risk", {"RADCDS_DATA_DIR": data}).start()
        services["ingestion"] = ingestion_service(services["gateway"], data, dimse_port).start()
        services["report"] = _report(services, data, destinations).start()
        for service in services.values():
            service.wait_serving(timeout_s=180)  # four services start at once on two cores
        state = ReportState(f"sqlite:///{workdir / 'var' / 'report' / 'report.sqlite'}")
        yield Pacs(orthanc, dicomweb, services, dimse_port, state, workdir, token)
    finally:
        for service in services.values():
            if service.running:
                service.stop()
        for peer in started:
            peer.stop()


@pytest.fixture
async def clients(pacs: Pacs) -> AsyncIterator[Clients]:
    async with (
        grpc.aio.insecure_channel(pacs.services["gateway"].address) as gateway,
        grpc.aio.insecure_channel(pacs.services["report"].address) as report,
    ):
        yield Clients(
            FhirStoreClient(gateway, client_id="test"), report_pb2_grpc.ReportServiceStub(report)
        )
