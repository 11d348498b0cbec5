"""One OpenTelemetry trace from the first instance received to the card.

A real OTLP/gRPC receiver (the collector's TraceService, from opentelemetry-proto) runs in
the test on an ephemeral port; `radcds up` runs the whole suite with Triton and exports to
it. A synthetic head CT with a haemorrhage goes in by dcmtk's storescu, the EHR loads the
patient's record and, once the report is there, calls patient-view as the demo does. The
card's span must sit in the study's trace, whose root is the first instance's receive span,
beside the Triton call, the FHIR store writes and report's Compose, each linked to its parent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pydicom
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from radcds_kit.health import health_status
from radcds_kit.ports import free_port

from radcds_cli.suite import SuiteSettings

# Starting the suite with Triton on two shared cores takes minutes.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

SERVICES = ("gateway", "ingestion", "inference", "risk", "report")
PORTS = SuiteSettings.port_variables()
STORESCU = "/usr/bin/storescu"  # dcmtk's, not the one pynetdicom puts in the venv
STABLE_AGE_S = 2.0


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    links: tuple[str, ...]
    attributes: dict[str, str]


class TraceReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """opentelemetry.proto.collector.trace.v1.TraceService: keeps every span exported."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self.raw_attributes: list[str] = []

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        with self._lock:
            for resource_spans in request.resource_spans:
                attributes = {a.key: _text(a.value) for a in resource_spans.resource.attributes}
                self.raw_attributes += list(attributes.values())
                service = attributes.get("service.name", "")
                for scope in resource_spans.scope_spans:
                    self._spans += [self._keep(service, span) for span in scope.spans]
        return trace_service_pb2.ExportTraceServiceResponse()

    def _keep(self, service: str, span: Any) -> Span:
        attributes = {a.key: _text(a.value) for a in span.attributes}
        texts = [*attributes.values(), span.name, span.status.message]
        texts += [_text(a.value) for event in span.events for a in event.attributes]
        texts += [_text(a.value) for link in span.links for a in link.attributes]
        self.raw_attributes += texts
        return Span(
            service=service,
            name=span.name,
            trace_id=span.trace_id.hex(),
            span_id=span.span_id.hex(),
            parent_id=span.parent_span_id.hex(),
            links=tuple(link.span_id.hex() for link in span.links),
            attributes=attributes,
        )

    @property
    def spans(self) -> list[Span]:
        with self._lock:
            return list(self._spans)


def _text(value: Any) -> str:
    return str(getattr(value, value.WhichOneof("value"))) if value.WhichOneof("value") else ""


@pytest.fixture
def receiver() -> Iterator[tuple[TraceReceiver, str]]:
    spans = TraceReceiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(spans, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield spans, f"http://127.0.0.1:{port}"
    server.stop(grace=None)


@dataclass(frozen=True)
class Suite:
    env: dict[str, str]
    data_dir: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['RADCDS_GATEWAY_HTTP_PORT']}"


@pytest.fixture
def ehr_key() -> Iterator[Any]:
    from radcds_cli.demo.ehr import EhrClientKey

    key = EhrClientKey("127.0.0.1")
    key.start()
    yield key
    key.stop()


@pytest.fixture
def suite(
    tmp_path: Path, redis_url: str, receiver: tuple[TraceReceiver, str], ehr_key: Any
) -> Iterator[Suite]:
    """`radcds up` exporting spans to the receiver, with the demo EHR's issuer trusted."""
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "RADCDS_DATA_DIR": str(data_dir),
        "RADCDS_REDIS_URL": redis_url,
        "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        "RADCDS_INGESTION_STABLE_AGE_S": str(STABLE_AGE_S),
        "RADCDS_INGESTION_STABILITY_POLL_S": "0.5",
        "RADCDS_DEV_ISSUER_KEY_FILE": str(data_dir / "dev-issuer.jwk"),
        "RADCDS_CDS_TRUSTED_ISSUERS": json.dumps({ehr_key.issuer: ehr_key.jwks_url}),
        "RADCDS_INFERENCE_KEY_PREFIX": f"radcds:trace:{tmp_path.name}",
        # The standard OpenTelemetry variables, for every service.
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver[1],
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_EXPORTER_OTLP_INSECURE": "true",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    env.update({variable: str(free_port()) for variable in PORTS})
    command = [sys.executable, "-m", "radcds_cli", "up", "--startup-timeout", "240"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait_all_serving(env, process, 300)
        yield Suite(env, data_dir)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_all_serving(
    env: dict[str, str], process: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        ports = [env[f"RADCDS_{s.upper()}_GRPC_PORT"] for s in SERVICES]
        if all(health_status(f"127.0.0.1:{port}") == "SERVING" for port in ports):
            return
        time.sleep(0.5)
    raise AssertionError("the suite did not reach SERVING")


def _synthesise_ich(out: Path) -> Any:
    from radcds_cli.demo.cohort import synthesise_cohort

    # Seed 1, first patient: a haemorrhage in an anticoagulated patient (the demo's case).
    (patient,) = synthesise_cohort(out, 1, 1, (64, 16))
    assert patient.truth["finding"] == "ich"
    return patient


def _phi_of(patient: Any) -> list[str]:
    """The synthetic patient's name parts, MRN and birth date, as DICOM and FHIR write them."""
    header = pydicom.dcmread(patient.instances[0], stop_before_pixels=True)
    bundle = json.loads(patient.bundle)
    record = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    names = [str(header.PatientName), *str(header.PatientName).split("^")]
    for name in record.get("name", []):
        names += [name.get("family", ""), *name.get("given", [])]
    birth = [str(header.PatientBirthDate), record.get("birthDate", "")]
    phi = {*names, *birth, patient.truth["mrn"], str(header.PatientID)}
    return sorted(p for p in phi if len(p) >= 3)


def _store_by_storescu(port: str, files: list[Path]) -> None:
    assert shutil.which(STORESCU), "dcmtk's storescu is needed (apt-get install dcmtk)"
    command = [STORESCU, "-aet", "TRACE_TEST", "-aec", "RADCDS", "127.0.0.1", port]
    result = subprocess.run(
        [*command, *map(str, files)],
        env={**os.environ, "TCP_NODELAY": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _await_report(ehr: Any, patient_id: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ehr.imaging_reports(patient_id):
            return
        time.sleep(0.5)
    raise AssertionError("no DiagnosticReport for the study")


def _await_spans(receiver: TraceReceiver, name: str, timeout_s: float = 30) -> list[Span]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := [s for s in receiver.spans if s.name == name]:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {name} span was exported")


def _ancestry(span: Span, by_id: dict[str, Span]) -> list[Span]:
    """The span and its ancestors, up to the root or to a parent that was not exported
    (the gRPC instrumentation never ends a client span whose call was cancelled, as when a
    caller's deadline passes and the hand-over is retried)."""
    chain = [span]
    while chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return chain


def test_one_trace_from_the_first_instance_to_the_card(
    tmp_path: Path, suite: Suite, receiver: tuple[TraceReceiver, str], ehr_key: Any
) -> None:
    from radcds_cli.demo.ehr import EhrClient, system_token

    spans_in = receiver[0]
    patient = _synthesise_ich(tmp_path / "cohort")
    token = system_token(suite.data_dir / "dev-issuer.jwk")
    with httpx.Client(timeout=30.0) as http:
        ehr = EhrClient(http, suite.gateway, token, ehr_key)
        patient_id = ehr.load_record(patient.bundle)
        _store_by_storescu(suite.env["RADCDS_INGESTION_DIMSE_PORT"], patient.instances)
        _await_report(ehr, patient_id, 240)
        cards = ehr.patient_view(patient_id)
    assert any(c["indicator"] == "critical" and "ICH" in c["summary"] for c in cards), cards

    (card,) = _await_spans(spans_in, "cds.card")
    _await_spans(spans_in, "/radcds.report.v1.ReportService/Compose")
    time.sleep(1.0)  # the batch processors' last exports
    spans = [s for s in spans_in.spans if s.trace_id == card.trace_id]
    # For whoever reads a failure: every span received, as JSON.
    dump = [{**vars(s), "links": list(s.links)} for s in spans_in.spans]
    (tmp_path / "spans.json").write_text(json.dumps(dump, indent=1))
    by_id = {s.span_id: s for s in spans}

    # The root: the first instance's C-STORE receive, in ingestion.
    roots = [s for s in spans if not s.parent_id]
    assert [(r.service, r.name) for r in roots] == [("ingestion", "ingestion.receive_instance")]
    root = roots[0]
    assert root.attributes["dicom.study_instance_uid"] == patient.truth["study_instance_uid"]
    # Every later instance's receive continues the study's trace from the first one.
    received = [s for s in spans if s.name == root.name and s.parent_id in ("", root.span_id)]
    assert len(received) == len(patient.instances)

    # From the card back to the root, each span's parent is exported and is the step before.
    findings = by_id[card.parent_id]
    assert (card.service, findings.service, findings.name) == (
        "gateway",
        "inference",
        "inference.store_findings",
    )
    job = by_id[findings.parent_id]
    assert job.name == "inference.job"
    chain = [(s.service, s.name) for s in _ancestry(job, by_id)]
    assert chain == [
        ("inference", "inference.job"),
        ("inference", "/radcds.inference.v1.InferenceService/SubmitStudy"),
        ("ingestion", "/radcds.inference.v1.InferenceService/SubmitStudy"),
        ("ingestion", "ingestion.publish_study"),
        ("ingestion", "ingestion.receive_instance"),
    ]
    assert _ancestry(job, by_id)[-1] is root

    # Under the job: the Triton call, the findings' FhirStore write, report's Compose and
    # its DiagnosticReport write.
    under_job = [s for s in spans if job in _ancestry(s, by_id)[1:]]
    (triton,) = [s for s in under_job if s.name == "triton.infer"]
    infer_call = [s for s in spans if s.parent_id == triton.span_id]
    assert [s.name for s in infer_call] == ["/inference.GRPCInferenceService/ModelInfer"]
    write = "/radcds.gateway.v1.FhirStoreService/Transaction"
    assert [
        s
        for s in spans
        if s.service == "gateway" and s.name == write and findings in _ancestry(s, by_id)
    ]
    composed = [
        compose
        for compose in under_job
        if (compose.service, compose.name) == ("report", "/radcds.report.v1.ReportService/Compose")
        and any(
            s.service == "gateway" and s.name == write and compose in _ancestry(s, by_id)
            for s in spans
        )
    ]
    assert composed, "no Compose under the job that wrote the DiagnosticReport"
    handover = [s for s in _ancestry(composed[0], by_id) if s.name == "inference.report_handover"]
    assert handover
    assert handover[0].parent_id == job.span_id

    # The card is linked to the hook call's span, in the hook call's own trace, and back.
    assert card.attributes["cds.card.indicator"] == "critical"
    hook = [s for s in spans_in.spans if s.span_id in card.links]
    assert hook
    assert hook[0].trace_id != card.trace_id
    assert not hook[0].parent_id, "the hook call starts its own trace"
    assert hook[0].service == "gateway"
    assert "cds-services" in hook[0].name
    assert card.span_id in hook[0].links

    # No span anywhere holds the synthetic patient's name, MRN or birth date.
    phi = _phi_of(patient)
    leaks = [(p, t) for t in spans_in.raw_attributes for p in phi if p in t]
    assert not leaks, leaks
