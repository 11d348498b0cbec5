"""Helpers of the inference tests: tritonserver, synthetic studies, calls to the service."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from inference_fakes import PeerServers
from radcds.common.v1 import common_pb2
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds_kit.testing.services import ServiceProcess

REPO = Path(__file__).resolve().parents[3]
FINAL = {"SUCCEEDED", "NO_APPLICABLE_MODEL", "FAILED", "DEAD_LETTERED"}


@dataclass(frozen=True)
class SyntheticStudy:
    directory: Path
    truth: dict[str, Any]
    # Stands for changed content: a damaged copy is another submission of the same study.
    variant: str = ""

    @property
    def uid(self) -> str:
        return str(self.truth["study_instance_uid"])

    def files(self) -> list[Path]:
        return sorted((self.directory / "CT").glob("*.dcm"))

    def digest(self) -> str:
        return hashlib.sha256(
            (self.variant + "".join(p.name for p in self.files())).encode()
        ).hexdigest()


def make_study(out: Path, seed: int, index: int, finding: str) -> SyntheticStudy:
    from radcds_synth.cohort import generate_patient, plan_patient

    plan = plan_patient(seed, index, finding)  # type: ignore[arg-type]
    truth = generate_patient(out, plan)
    return SyntheticStudy(out / plan.directory_name, truth)


def load_into(peers: PeerServers, study: SyntheticStudy, files: list[Path] | None = None) -> None:
    import pydicom

    rows = []
    for path in files if files is not None else study.files():
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        rows.append((str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID), path.read_bytes()))
    peers.ingestion.studies[study.uid] = rows


def stub(service: ServiceProcess) -> inference_pb2_grpc.InferenceServiceStub:
    return inference_pb2_grpc.InferenceServiceStub(grpc.insecure_channel(service.address))


def submit(service: ServiceProcess, study: SyntheticStudy) -> inference_pb2.SubmitStudyResponse:
    request = inference_pb2.SubmitStudyRequest(
        study_instance_uid=study.uid,
        content_digest=study.digest(),
        imaging_study=common_pb2.FhirReference(
            reference=f"ImagingStudy/synth-{study.digest()[:12]}"
        ),
        patient=common_pb2.FhirReference(reference="Patient/synth-1"),
    )
    reply: inference_pb2.SubmitStudyResponse = stub(service).SubmitStudy(request, timeout=10)
    return reply


def job_state(job: inference_pb2.Job) -> str:
    return inference_pb2.JobState.Name(job.state).removeprefix("JOB_STATE_")


def wait_job(
    service: ServiceProcess, job_id: str, states: set[str] = FINAL, timeout_s: float = 180.0
) -> inference_pb2.Job:
    deadline = time.monotonic() + timeout_s
    while True:
        job = stub(service).GetJob(inference_pb2.GetJobRequest(job_id=job_id), timeout=10).job
        if job_state(job) in states or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
