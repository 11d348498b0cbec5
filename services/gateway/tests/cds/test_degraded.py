"""Degraded, never broken: with the risk service down or slow, patient-view still answers
200 with an info card saying AI results are unavailable."""

import asyncio
import threading
import uuid
from collections.abc import Iterator

import grpc
import pytest
from cds_data import FHIR_TOKEN, PATIENT
from cds_ehr import EhrFhir, StartGateway
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc
from radcds_kit.testing.servers import free_port

FINDINGS = "/cds-services/radcds-imaging-findings"


class StalledRisk(risk_pb2_grpc.RiskServiceServicer):
    """A fault no real process shows on demand: Assess that never answers in time."""

    async def Assess(
        self, request: risk_pb2.AssessRequest, context: object
    ) -> risk_pb2.AssessResponse:
        await asyncio.sleep(30)
        return risk_pb2.AssessResponse()


@pytest.fixture
def stalled_risk() -> Iterator[str]:
    port, ready = free_port(), threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        server = grpc.aio.server()
        risk_pb2_grpc.add_RiskServiceServicer_to_server(StalledRisk(), server)
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        ready.set()
        await stop.wait()
        await server.stop(0)

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    ready.wait(10)
    yield f"127.0.0.1:{port}"
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def patient_view(fhir: str) -> dict[str, object]:
    access = {
        "access_token": FHIR_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/*.read",
        "subject": "radcds",
    }
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT},
        "fhirServer": fhir,
        "fhirAuthorization": access,
    }


def assert_unavailable_card(response_json: dict[str, list[dict[str, str]]]) -> None:
    (card,) = response_json["cards"]
    assert card["indicator"] == "info"
    assert card["summary"] == "AI results are unavailable right now"


def test_risk_down_answers_an_info_card(
    start_gateway: StartGateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    gateway = start_gateway(risk=f"127.0.0.1:{free_port()}")
    response = gateway.call(FINDINGS, patient_view(ehr_fhir[1]))
    assert response.status_code == 200
    assert_unavailable_card(response.json())


def test_risk_slower_than_its_deadline_answers_an_info_card(
    start_gateway: StartGateway, ehr_fhir: tuple[EhrFhir, str], stalled_risk: str
) -> None:
    gateway = start_gateway(risk=stalled_risk, cds_risk_deadline_s=0.2, cds_budget_s=0.45)
    response = gateway.call(FINDINGS, patient_view(ehr_fhir[1]))
    assert response.status_code == 200
    assert_unavailable_card(response.json())
