"""The ingestion process and its peers: the real gateway as the FHIR store, and a recording
stand-in for inference.

The gateway runs as its own process (`python -m radcds_gateway`, as start_service starts
it, here once per module) with its SQLite FHIR repository, so what ingestion publishes goes
through the gateway's validation and versioning and is read back by FHIR search.

Inference stays a stand-in: these tests assert each SubmitStudy call (its digest, how many
for one content, across a kill -9), which the real service would turn into Triton jobs that
need the models and Redis besides; the stand-in keeps the promise the real one makes
(SubmitStudy keyed by content digest).
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds_kit.oidc import DevelopmentIssuer
from radcds_kit.oidc.development import load_or_create_key
from radcds_kit.testing.keycloak import AUDIENCE
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess
from radcds_synth.identity import MRN_SYSTEM

ACCESSION = "ACC001"


@dataclass
class RecordingInference(inference_pb2_grpc.InferenceServiceServicer):
    submissions: list[Any] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)

    def SubmitStudy(self, request: Any, context: Any) -> Any:
        self.submissions.append(request)
        duplicate = request.content_digest in self.jobs
        job_id = self.jobs.setdefault(request.content_digest, uuid.uuid4().hex)
        return inference_pb2.SubmitStudyResponse(job_id=job_id, duplicate=duplicate)


@dataclass
class GatewayFhir:
    """Reads and seeds the real gateway's FHIR repository over its gRPC FhirStore."""

    address: str
    stub: Any

    def put(self, resource: dict[str, Any]) -> dict[str, Any]:
        request = fhir_store_pb2.PutRequest(resource=json.dumps(resource).encode())
        return dict(json.loads(self.stub.Put(request, timeout=10).resource))

    def search(self, resource_type: str, query: str) -> list[dict[str, Any]]:
        request = fhir_store_pb2.SearchRequest(resource_type=resource_type, query=query)
        bundle = json.loads(self.stub.Search(request, timeout=10).bundle)
        return [entry["resource"] for entry in bundle.get("entry", [])]

    def imaging_study_of(self, study_uid: str) -> dict[str, Any]:
        [found] = self.search("ImagingStudy", f"identifier=urn:dicom:uid|urn:oid:{study_uid}")
        return found

    def patients_with_mrn(self, mrn: str) -> list[dict[str, Any]]:
        return self.search("Patient", f"identifier={MRN_SYSTEM}|{mrn}")


@dataclass
class Peers:
    fhir: GatewayFhir
    inference_address: str
    inference: RecordingInference
    service_request: dict[str, Any]

    def submissions_of(self, study_uid: str) -> list[Any]:
        return [s for s in self.inference.submissions if s.study_instance_uid == study_uid]

    def imaging_study_of(self, study_uid: str) -> dict[str, Any]:
        return self.fhir.imaging_study_of(study_uid)

    def wait_for_submissions(
        self, study_uid: str, count: int, timeout_s: float = 90.0
    ) -> list[Any]:
        deadline = time.monotonic() + timeout_s
        while len(self.submissions_of(study_uid)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.submissions_of(study_uid)) >= count, "study never reached inference"
        return self.submissions_of(study_uid)


@pytest.fixture(scope="module")
def gateway_fhir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayFhir]:
    """The real gateway, its FHIR repository seeded with the order the studies fulfil."""
    env = {
        "RADCDS_DATA_DIR": str(tmp_path_factory.mktemp("gateway") / "var"),
        "RADCDS_GATEWAY_HTTP_PORT": str(free_port()),
    }
    gateway = ServiceProcess("gateway", env).start()
    try:
        gateway.wait_serving(timeout_s=120)
        with grpc.insecure_channel(gateway.address) as channel:
            yield GatewayFhir(gateway.address, fhir_store_pb2_grpc.FhirStoreServiceStub(channel))
    finally:
        gateway.stop()


def seed_order(fhir: GatewayFhir) -> dict[str, Any]:
    patient = fhir.put(
        {"resourceType": "Patient", "identifier": [{"system": MRN_SYSTEM, "value": "ORDER-MRN"}]}
    )
    return fhir.put(
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "identifier": [{"value": ACCESSION}],
            "subject": {"reference": f"Patient/{patient['id']}"},
        }
    )


@pytest.fixture(scope="module")
def peers(gateway_fhir: GatewayFhir) -> Iterator[Peers]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    inference = RecordingInference()
    inference_pb2_grpc.add_InferenceServiceServicer_to_server(inference, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield Peers(gateway_fhir, f"127.0.0.1:{port}", inference, seed_order(gateway_fhir))
    server.stop(0)


@pytest.fixture(scope="module")
def dev_issuer(tmp_path_factory: pytest.TempPathFactory) -> tuple[DevelopmentIssuer, Path]:
    """The development issuer and its key file, which the ingestion process verifies with."""
    key_file = tmp_path_factory.mktemp("issuer") / "dev-issuer.jwk"
    issuer = DevelopmentIssuer(
        environment="development", audience=AUDIENCE, key=load_or_create_key(key_file)
    )
    return issuer, key_file


@pytest.fixture(scope="module")
def dicomweb_token(dev_issuer: tuple[DevelopmentIssuer, Path]) -> str:
    """A token that may store, search and read (as radcds' own services' tokens do)."""
    issuer, _ = dev_issuer
    return issuer.issue(
        subject="test-pacs", client_id="test-pacs", scopes=["system/ImagingStudy.crs"]
    )


@dataclass
class Ingestion:
    process: ServiceProcess
    dimse_port: int
    dicomweb_port: int


@pytest.fixture(scope="module")
def ingestion_env(
    peers: Peers,
    dev_issuer: tuple[DevelopmentIssuer, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    return {
        "RADCDS_DATA_DIR": str(tmp_path_factory.mktemp("ingestion") / "var"),
        "RADCDS_INGESTION_DIMSE_PORT": str(free_port()),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        "RADCDS_INGESTION_DISK_WATERMARK": "1.0",
        "RADCDS_INGESTION_STABLE_AGE_S": "1.5",
        "RADCDS_INGESTION_STABILITY_POLL_S": "0.2",
        "RADCDS_INGESTION_ALLOWED_CALLING_AES": '["STORESCU", "ORTHANC", "PYSCU"]',
        "RADCDS_GATEWAY_GRPC_ADDRESS": peers.fhir.address,
        "RADCDS_INFERENCE_GRPC_ADDRESS": peers.inference_address,
        "RADCDS_DEV_ISSUER_KEY_FILE": str(dev_issuer[1]),
    }


@pytest.fixture(scope="module")
def start_ingestion(ingestion_env: dict[str, str]) -> Iterator[Callable[..., Ingestion]]:
    """Starts `python -m radcds_ingestion`; one data dir for the module."""
    started: list[ServiceProcess] = []

    def start(**overrides: str) -> Ingestion:
        env = {**ingestion_env, **overrides}
        process = ServiceProcess("ingestion", env).start()
        started.append(process)
        process.wait_serving(timeout_s=120)
        return Ingestion(
            process,
            int(env["RADCDS_INGESTION_DIMSE_PORT"]),
            int(env["RADCDS_INGESTION_DICOMWEB_PORT"]),
        )

    yield start
    for process in started:
        if process.running:
            process.stop()


@pytest.fixture(scope="module")
def ingestion(start_ingestion: Callable[..., Ingestion]) -> Ingestion:
    """One ingestion process shared by the tests of a module."""
    return start_ingestion()
