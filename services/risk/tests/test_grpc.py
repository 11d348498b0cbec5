"""RiskService over gRPC: the real `python -m radcds_risk` process on an ephemeral port."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc
from radcds_kit.health import health_status
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess
from radcds_risk import examples as ex

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def risk_service() -> Iterator[ServiceProcess]:
    service = ServiceProcess("risk").start()
    service.wait_serving()
    yield service
    assert service.stop() == 0


@pytest.fixture
def stub(risk_service: ServiceProcess) -> Iterator[risk_pb2_grpc.RiskServiceStub]:
    with grpc.insecure_channel(risk_service.address) as channel:
        yield risk_pb2_grpc.RiskServiceStub(channel)


def _request(**fields: object) -> risk_pb2.AssessRequest:
    request = risk_pb2.AssessRequest(
        patient_bundle=json.dumps(ex.typical_record(ex.REFERENCE_TIME)).encode(),
        findings=[json.dumps(ex.ich_finding(0.9, 35, True, False)).encode()],
        **fields,
    )
    request.as_of.FromDatetime(ex.REFERENCE_TIME)
    return request


def test_health_is_serving(risk_service: ServiceProcess) -> None:
    assert health_status(risk_service.address) == "SERVING"


def test_assess_returns_critical_anticoagulation_alert(
    stub: risk_pb2_grpc.RiskServiceStub,
) -> None:
    response = stub.Assess(_request(calculators=["anticoagulation_ich_alert", "ich_score"]))
    by_name = {r.calculator: r for r in response.results}
    alert = by_name["anticoagulation_ich_alert"]
    assert alert.status == risk_pb2.RESULT_STATUS_COMPUTED
    assert alert.alert_level == risk_pb2.ALERT_LEVEL_CRITICAL
    assert "factor Xa inhibitor" in alert.summary
    assert json.loads(alert.risk_assessment)["resourceType"] == "RiskAssessment"
    assert by_name["ich_score"].summary.startswith("ICH score 3/6")


def test_missing_inputs_travel_as_messages(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    bundle = json.dumps(ex.bundle(ex.patient())).encode()
    response = stub.Assess(
        risk_pb2.AssessRequest(patient_bundle=bundle, calculators=["pce_ascvd_10y"])
    )
    (result,) = response.results
    assert result.status == risk_pb2.RESULT_STATUS_MISSING_INPUT
    assert result.alert_level == risk_pb2.ALERT_LEVEL_NONE
    assert "total_cholesterol" in {m.name for m in result.missing_inputs}


@pytest.mark.parametrize(
    "make",
    [
        lambda: risk_pb2.AssessRequest(patient_bundle=b"{not json"),
        lambda: risk_pb2.AssessRequest(patient_bundle=b'{"resourceType": "Bundle"}'),
        lambda: _request(calculators=["no_such_calculator"]),
        lambda: _request(draft_order=b'{"resourceType": "Patient"}'),
    ],
)
def test_bad_input_is_invalid_argument_and_service_survives(
    stub: risk_pb2_grpc.RiskServiceStub, make: Callable[[], risk_pb2.AssessRequest]
) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub.Assess(make())
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.Assess(_request()).results


def test_list_calculators_describes_each(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    calculators = stub.ListCalculators(risk_pb2.ListCalculatorsRequest()).calculators
    names = {c.name for c in calculators}
    assert {"ich_score", "anticoagulation_ich_alert", "brock_pancan", "fleischner_2017",
            "pce_ascvd_10y", "cha2ds2_vasc", "has_bled", "duplicate_imaging",
            "contrast_renal", "pregnancy_ionising"} == names  # fmt: skip
    assert all(c.citation and c.version and c.inputs and c.outputs for c in calculators)


def test_no_phi_in_logs(tmp_path: Path) -> None:
    """The service logs at DEBUG while it assesses, reports and rejects records with a name and
    a birth date; neither appears in its output (the caller alone gets the reasons)."""
    log_file = tmp_path / "risk.log"
    port = free_port()
    env = {**os.environ, "RADCDS_RISK_GRPC_PORT": str(port), "RADCDS_LOG_LEVEL": "DEBUG",
           "RADCDS_HEALTH_INTERVAL_S": "0.2"}  # fmt: skip
    with log_file.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "radcds_risk"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            _wait_serving(f"127.0.0.1:{port}")
            record = ex.typical_record(ex.REFERENCE_TIME)
            record["entry"][0]["resource"]["name"] = [{"family": "Zebedee-Quill"}]
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = risk_pb2_grpc.RiskServiceStub(channel)
                stub.Assess(risk_pb2.AssessRequest(patient_bundle=json.dumps(record).encode()))
                record["entry"][0]["resource"]["birthDate"] = "1965-03-14T99"
                bad_date = stub.Assess(
                    risk_pb2.AssessRequest(patient_bundle=json.dumps(record).encode())
                )
                reasons = [m.reason for r in bad_date.results for m in r.missing_inputs]
                assert any("1965-03-14T99" in reason for reason in reasons)
                record["entry"].append({"resource": {"resourceType": "Patient"}})
                with pytest.raises(grpc.RpcError):
                    stub.Assess(risk_pb2.AssessRequest(patient_bundle=json.dumps(record).encode()))
        finally:
            process.terminate()
            process.wait(timeout=15)
    logged = log_file.read_text()
    assert "assessed" in logged
    assert "Zebedee" not in logged
    assert "1965-03-14" not in logged


def _wait_serving(address: str) -> None:
    for _ in range(300):
        if health_status(address) == "SERVING":
            return
        time.sleep(0.1)
    raise TimeoutError(address)
