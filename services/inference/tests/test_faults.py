"""Faults: Triton stopped mid-job, a worker killed mid-job, series that are not a volume."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pydicom
import pytest
from inference_fakes import PeerServers
from inference_support import SyntheticStudy, job_state, load_into, submit, wait_job
from radcds_kit.testing.triton import TritonServer

pytestmark = pytest.mark.integration


def wait_for(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_triton_stopped_mid_job_then_started_completes_once(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy], triton: TritonServer
) -> None:
    study = studies["ich"]
    load_into(peers, study)
    service = start_inference()
    peers.ingestion.gate.clear()
    peers.ingestion.entered.clear()
    reply = submit(service, study)
    assert peers.ingestion.entered.wait(60), "the job never asked for pixels"
    triton.stop()
    try:
        peers.ingestion.gate.set()
        service.wait_status("NOT_SERVING")
        job = wait_job(service, reply.job_id, states={"QUEUED"}, timeout_s=60)
        assert job_state(job) == "QUEUED"
        assert job.attempts >= 1
        assert "triton" in job.reason.lower()
    finally:
        triton.start()
    service.wait_serving()
    job = wait_job(service, reply.job_id)
    assert job_state(job) == "SUCCEEDED", job.reason
    assert len(peers.fhir.of_type("Observation")) == 1
    assert len(peers.ingestion.stored) == 1
    assert submit(service, study).duplicate


def test_a_killed_worker_leaves_its_job_to_another(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    study = studies["normal"]
    load_into(peers, study)
    first = start_inference()
    peers.ingestion.gate.clear()
    peers.ingestion.entered.clear()
    reply = submit(first, study)
    assert peers.ingestion.entered.wait(60), "the job never asked for pixels"
    second = start_inference()
    os.kill(first.pid, signal.SIGKILL)
    peers.ingestion.gate.set()
    job = wait_job(second, reply.job_id)
    assert job_state(job) == "SUCCEEDED", job.reason
    assert len(peers.fhir.of_type("Observation")) == 1


def _drop_middle_slice(study: SyntheticStudy) -> list[Path]:
    files = study.files()
    return files[: len(files) // 2] + files[len(files) // 2 + 1 :]


def _tilt_one_slice(study: SyntheticStudy, tmp_path: Path) -> list[Path]:
    files = study.files()
    tilted = pydicom.dcmread(files[3])
    tilted.ImageOrientationPatient = [1, 0, 0, 0, 0.8660254, -0.5]
    path = tmp_path / files[3].name
    tilted.save_as(path)
    return [*files[:3], path, *files[4:]]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [("missing", "regularly spaced"), ("mixed", "mixed slice orientations")],
)
def test_a_bad_series_fails_with_a_reason_and_the_worker_goes_on(
    start_inference,
    peers: PeerServers,
    studies: dict[str, SyntheticStudy],
    tmp_path: Path,
    damage: str,
    reason: str,
) -> None:
    study = studies["normal"]
    files = _drop_middle_slice(study) if damage == "missing" else _tilt_one_slice(study, tmp_path)
    bad = SyntheticStudy(study.directory, study.truth, variant=damage)
    load_into(peers, bad, files)
    service = start_inference()
    job = wait_job(service, submit(service, bad).job_id)
    assert job_state(job) == "FAILED"
    assert reason in job.reason
    assert peers.fhir.of_type("Observation") == []
    load_into(peers, study)
    good = wait_job(service, submit(service, study).job_id)
    assert job_state(good) == "SUCCEEDED", good.reason
