"""kill -9 during a 500-instance storescu send: every acknowledged instance survives,
and each content of the study reaches inference exactly once."""

import os
import signal
import subprocess
import time
from pathlib import Path

import grpc
import pytest
from pydicom import dcmread
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.spool import InstanceSpool
from radcds_kit.testing.storescu import storescu

pytestmark = pytest.mark.integration

STUDY_SIZE, KILL_AFTER = 500, 150


def send_until_killed(port: int, paths: list[Path], victim: int) -> set[Path]:
    """storescu over `paths`; SIGKILL `victim` after KILL_AFTER successes. Returns the files
    whose C-STORE got a success status."""

    def kill_at(count: int) -> None:
        if count == KILL_AFTER:
            os.kill(victim, signal.SIGKILL)

    return storescu(port, paths, on_success=kill_at)


def study_of(address: str, study_uid: str) -> ingestion_pb2.Study:
    with grpc.insecure_channel(address) as channel:
        stub = ingestion_pb2_grpc.IngestionServiceStub(channel)
        return stub.GetStudy(ingestion_pb2.GetStudyRequest(study_instance_uid=study_uid)).study


def wait_submitted(address: str, study_uid: str, digest_count: int, peers) -> ingestion_pb2.Study:
    peers.wait_for_submissions(study_uid, digest_count)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        study = study_of(address, study_uid)
        if study.state == ingestion_pb2.STUDY_STATE_SUBMITTED:
            return study
        time.sleep(0.2)
    raise AssertionError("study not marked submitted")


def test_kill_9_loses_no_acknowledged_instance(
    start_ingestion, ingestion_env, peers, write_ct_series
) -> None:
    paths = write_ct_series(STUDY_SIZE, rows=16)
    study_uid = dcmread(paths[0]).StudyInstanceUID
    first = start_ingestion()

    acknowledged = send_until_killed(first.dimse_port, paths, first.process.pid)

    assert KILL_AFTER <= len(acknowledged) < STUDY_SIZE
    second = start_ingestion()
    storage = Path(ingestion_env["RADCDS_DATA_DIR"]) / "ingestion"
    spool, index = InstanceSpool(storage, 1.0), InstanceIndex(f"sqlite:///{storage}/index.sqlite3")
    snapshot = index.snapshot(study_uid)
    index.close()
    assert snapshot is not None
    indexed = {row["sop_instance_uid"] for row in snapshot.instances}
    for path in acknowledged:
        sop_instance_uid = dcmread(path, stop_before_pixels=True).SOPInstanceUID
        assert sop_instance_uid in indexed
        assert spool.path_for(study_uid, sop_instance_uid).is_file()

    partial = wait_submitted(second.process.address, study_uid, 1, peers)
    assert partial.number_of_instances == len(indexed)
    second.process.stop()
    third = start_ingestion()
    command = ["/usr/bin/storescu", "-aet", "STORESCU", "-aec", "RADCDS", "127.0.0.1"]
    resend = subprocess.run(
        [*command, str(third.dimse_port), *map(str, paths)],
        env={**os.environ, "TCP_NODELAY": "1"},
        capture_output=True,
    )
    assert resend.returncode == 0
    complete = wait_submitted(third.process.address, study_uid, 2, peers)

    assert complete.number_of_instances == STUDY_SIZE
    digests = [s.content_digest for s in peers.inference.submissions]
    assert digests == [partial.content_digest, complete.content_digest]
    assert set(peers.inference.jobs) == set(digests)
