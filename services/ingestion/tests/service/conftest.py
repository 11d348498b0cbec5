"""Test peers for the FhirStore and Inference services, and the ingestion process.

The peers are small recording servicers standing in for the gateway and
inference services until those exist; they keep the same idempotency the real
ones promise (conditional create by identifier, SubmitStudy keyed by digest).
"""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import grpc
import pytest
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess

SERVICE_REQUEST = {
    "resourceType": "ServiceRequest",
    "id": "order-1",
    "status": "active",
    "intent": "order",
    "identifier": [{"value": "ACC001"}],
}


def identifier_matches(resource: dict[str, Any], token: str) -> bool:
    system, _, value = token.rpartition("|") if "|" in token else ("", "", token)
    return any(
        i.get("value") == value and (not system or i.get("system") == system)
        for i in resource.get("identifier", [])
    )


@dataclass
class RecordingFhirStore(fhir_store_pb2_grpc.FhirStoreServiceServicer):
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    puts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.resources.values() if r["resourceType"] == resource_type]

    def Put(self, request: Any, context: Any) -> Any:
        resource = json.loads(request.resource)
        with self.lock:
            self.puts.append(resource)
            if request.if_none_exist:
                token = parse_qs(request.if_none_exist)["identifier"][0]
                found = [
                    r
                    for r in self.of_type(resource["resourceType"])
                    if identifier_matches(r, token)
                ]
                if found:
                    return fhir_store_pb2.PutResponse(resource=json.dumps(found[0]).encode())
            created = "id" not in resource
            resource.setdefault("id", uuid.uuid4().hex)
            key = f"{resource['resourceType']}/{resource['id']}"
            version = int(self.resources.get(key, {}).get("meta", {}).get("versionId", "0")) + 1
            resource["meta"] = {"versionId": str(version)}
            self.resources[key] = resource
            return fhir_store_pb2.PutResponse(
                resource=json.dumps(resource).encode(), created=created
            )

    def Search(self, request: Any, context: Any) -> Any:
        token = parse_qs(request.query).get("identifier", [""])[0]
        with self.lock:
            found = [r for r in self.of_type(request.resource_type) if identifier_matches(r, token)]
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in found],
        }
        return fhir_store_pb2.SearchResponse(bundle=json.dumps(bundle).encode())


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
class Peers:
    address: str
    fhir: RecordingFhirStore
    inference: RecordingInference

    def submissions_of(self, study_uid: str) -> list[Any]:
        return [s for s in self.inference.submissions if s.study_instance_uid == study_uid]

    def imaging_study_of(self, study_uid: str) -> dict[str, Any]:
        [found] = [
            r
            for r in self.fhir.of_type("ImagingStudy")
            if identifier_matches(r, f"urn:dicom:uid|urn:oid:{study_uid}")
        ]
        return found

    def wait_for_submissions(
        self, study_uid: str, count: int, timeout_s: float = 90.0
    ) -> list[Any]:
        deadline = time.monotonic() + timeout_s
        while len(self.submissions_of(study_uid)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.submissions_of(study_uid)) >= count, "study never reached inference"
        return self.submissions_of(study_uid)


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    """The gateway FhirStore and the inference service, as recording test peers."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    fhir = RecordingFhirStore(resources={"ServiceRequest/order-1": dict(SERVICE_REQUEST)})
    inference = RecordingInference()
    fhir_store_pb2_grpc.add_FhirStoreServiceServicer_to_server(fhir, server)
    inference_pb2_grpc.add_InferenceServiceServicer_to_server(inference, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield Peers(f"127.0.0.1:{port}", fhir, inference)
    server.stop(0)


@dataclass
class Ingestion:
    process: ServiceProcess
    dimse_port: int
    dicomweb_port: int


@pytest.fixture(scope="module")
def ingestion_env(peers: Peers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "RADCDS_DATA_DIR": str(tmp_path_factory.mktemp("ingestion") / "var"),
        "RADCDS_INGESTION_DIMSE_PORT": str(free_port()),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        "RADCDS_INGESTION_DISK_WATERMARK": "1.0",
        "RADCDS_INGESTION_STABLE_AGE_S": "1.5",
        "RADCDS_INGESTION_STABILITY_POLL_S": "0.2",
        "RADCDS_INGESTION_ALLOWED_CALLING_AES": '["STORESCU", "ORTHANC", "PYSCU"]',
        "RADCDS_GATEWAY_GRPC_ADDRESS": peers.address,
        "RADCDS_INFERENCE_GRPC_ADDRESS": peers.address,
    }


@pytest.fixture(scope="module")
def start_ingestion(ingestion_env: dict[str, str]) -> Iterator[Callable[..., Ingestion]]:
    """Starts `python -m radcds_ingestion`; one data dir for the module."""
    started: list[ServiceProcess] = []

    def start(**overrides: str) -> Ingestion:
        env = {**ingestion_env, **overrides}
        process = ServiceProcess("ingestion", env).start()
        started.append(process)
        process.wait_serving()
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
