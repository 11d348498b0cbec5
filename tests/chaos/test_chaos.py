"""Chaos: a 20-study run through the whole suite while each service is killed (kill -9) in
turn, Redis restarts, and Triton stops and starts again.

Afterwards, as a user would check: every study has exactly one current DiagnosticReport
(composed from the study's final content), every instance that storescu got a success
status for is stored, and no inference job is stuck (each is in a final state, nothing is
pending in the Redis streams, nothing dead-lettered).
"""

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import redis
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds_inference.jobs import HANDOVER_GROUP, JOBS_GROUP, Job
from radcds_inference.worker import result_set_digest
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.spool import InstanceSpool
from radcds_kit.testing.storescu import storescu
from radcds_report.vocabulary import REPORT_IDENTIFIER_SYSTEM, RESULT_SET_EXTENSION

from radcds_cli.demo.cohort import DemoPatient, synthesise_cohort
from radcds_cli.demo.ehr import EhrClient, system_token

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

STUDIES, SEED = 20, 7
SIZE = (64, 16)  # matrix, slices: the demo's; the head rule wants slices of 10 mm or less
FINAL_JOB_STATES = {"SUCCEEDED", "NO_APPLICABLE_MODEL", "FAILED", "DEAD_LETTERED"}


class PacsSender(threading.Thread):
    """A PACS: each study in turn by storescu; what was not acknowledged is sent again.
    It sends only as many studies as it is allowed, so that each fault strikes while
    studies are still arriving."""

    def __init__(self, port: int, cohort: list[DemoPatient], give_up_s: float = 180.0) -> None:
        super().__init__(daemon=True)
        self.port, self.cohort, self.give_up_s = port, cohort, give_up_s
        self.acknowledged: set[Path] = set()
        self.acknowledged_count = self.studies_sent = self.resends = 0
        self.error = ""
        self._gate, self._allowed = threading.Condition(), 0

    def _count(self, _in_this_association: int) -> None:
        self.acknowledged_count += 1

    def allow(self, studies: int) -> None:
        with self._gate:
            self._allowed = studies
            self._gate.notify_all()

    def run(self) -> None:
        for index, patient in enumerate(self.cohort):
            with self._gate:
                self._gate.wait_for(lambda index=index: index < self._allowed)
            self._send(patient)
            self.studies_sent += 1

    def _send(self, patient: DemoPatient) -> None:
        pending, deadline = patient.instances, time.monotonic() + self.give_up_s
        while True:
            self.acknowledged |= storescu(
                self.port, pending, calling_ae="CHAOS_PACS", on_success=self._count
            )
            pending = [p for p in pending if p not in self.acknowledged]
            if not pending:
                return
            if time.monotonic() > deadline:
                self.error = f"{patient.label}: unacknowledged after {self.give_up_s:g} s"
                return
            self.resends += 1
            time.sleep(0.5)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.1)


def hold_triton(suite: Any) -> None:
    """Triton stops; inference waits for it without spending attempts; Triton starts again."""
    suite.supervisor.hold("triton")
    wait_for(lambda: not suite.supervisor.service("triton").alive, 30, "Triton to stop")
    time.sleep(5)
    suite.supervisor.release("triton")


# (studies acknowledged when it strikes, what it is, the fault)
FAULTS: list[tuple[float, str, Callable[[Any], object]]] = [
    (2.5, "kill -9 ingestion", lambda suite: suite.kill("ingestion")),
    (6, "kill -9 inference", lambda suite: suite.kill("inference")),
    (9, "kill -9 report", lambda suite: suite.kill("report")),
    (12, "kill -9 gateway", lambda suite: suite.kill("gateway")),
    (15, "restart Redis", lambda suite: suite.restart_redis()),
    (17, "stop and start Triton", hold_triton),
]


class SuiteView:
    """What the test reads back: ingestion's gRPC and index, inference's gRPC and Redis, and
    the FHIR API."""

    def __init__(self, suite: Any, ehr: EhrClient) -> None:
        settings = suite.settings
        self._ingestion = grpc.insecure_channel(settings.grpc_address("ingestion"))
        self._inference = grpc.insecure_channel(settings.grpc_address("inference"))
        self.redis = redis.Redis.from_url(suite.redis.url)
        self.prefix, self.ehr = suite.key_prefix, ehr
        self._jobs = f"{suite.key_prefix}:job:*"
        self.storage = settings.data_dir / "ingestion"

    def close(self) -> None:
        self._ingestion.close()
        self._inference.close()
        self.redis.close()

    def study(self, uid: str) -> ingestion_pb2.Study:
        stub = ingestion_pb2_grpc.IngestionServiceStub(self._ingestion)
        return stub.GetStudy(ingestion_pb2.GetStudyRequest(study_instance_uid=uid)).study

    def jobs(self) -> dict[str, Job]:
        """Every job inference holds in Redis, by job id."""
        jobs = (Job.from_fields(self.redis.hgetall(k)) for k in self.redis.scan_iter(self._jobs))
        return {job.job_id: job for job in jobs}

    def stream_backlog(self, stream: str, group: str) -> tuple[int, bool]:
        """Entries delivered but not acknowledged, and whether any is not yet delivered."""
        key = f"{self.prefix}:{stream}"
        pending = int(self.redis.xpending(key, group)["pending"])
        info = next(g for g in self.redis.xinfo_groups(key) if g["name"].decode() == group)
        last = self.redis.xinfo_stream(key)["last-generated-id"]
        return pending, info["last-delivered-id"] != last

    def jobs_done(self) -> int:
        """Jobs whose outcome is final and, when there is one, in report's hands."""
        return sum(
            j.state in FINAL_JOB_STATES and j.report_handover in ("ACCEPTED", "NOT_NEEDED")
            for j in self.jobs().values()
        )

    def job(self, job_id: str) -> inference_pb2.Job:
        stub = inference_pb2_grpc.InferenceServiceStub(self._inference)
        return stub.GetJob(inference_pb2.GetJobRequest(job_id=job_id)).job

    def reports(self, uid: str) -> list[dict[str, Any]]:
        return self.ehr.search(f"DiagnosticReport?identifier={REPORT_IDENTIFIER_SYSTEM}|{uid}")

    def stored_sop_instance_uids(self, uid: str) -> set[str]:
        """Indexed by ingestion and on its disk."""
        index = InstanceIndex(f"sqlite:///{self.storage}/index.sqlite3")
        spool = InstanceSpool(self.storage, 1.0)
        try:
            snapshot = index.snapshot(uid)
        finally:
            index.close()
        rows = snapshot.instances if snapshot is not None else []
        return {
            row["sop_instance_uid"]
            for row in rows
            if spool.path_for(uid, row["sop_instance_uid"]).is_file()
        }


def report_digest(report: dict[str, Any]) -> str:
    """The result set a report was composed from (report's result-set extension)."""
    for extension in report.get("extension", []):
        if extension.get("url") == RESULT_SET_EXTENSION:
            return str(extension.get("valueString"))
    return ""


def final_job(study: ingestion_pb2.Study, jobs: dict[str, Job]) -> Job | None:
    """The job for the study's content as it stands (earlier content had jobs of its own)."""
    uid, digest = study.study_instance_uid, study.content_digest
    found = [j for j in jobs.values() if (j.study_instance_uid, j.content_digest) == (uid, digest)]
    return found[0] if found else None


def outcome(view: SuiteView, patient: DemoPatient, jobs: dict[str, Job]) -> str:
    """What the study still lacks; empty once it has its current report."""
    study = view.study(patient.truth["study_instance_uid"])
    images = sum(s.number_of_instances for s in study.series if s.modality == "CT")
    if images != len(patient.instances):
        return f"{images} CT instances indexed"
    if study.state != ingestion_pb2.STUDY_STATE_SUBMITTED:
        return f"study {ingestion_pb2.StudyState.Name(study.state)}"
    job = final_job(study, jobs)
    if job is None or job.state not in FINAL_JOB_STATES:
        return f"job {job.state if job else 'missing'}"
    if job.state == "SUCCEEDED" and job.report_handover != "ACCEPTED":
        return f"hand-over {job.report_handover}"
    reports = view.reports(study.study_instance_uid)
    if job.state == "SUCCEEDED" and result_set_digest(job) not in map(report_digest, reports):
        return f"{len(reports)} report(s), none current"
    return ""


def wait_converged(view: SuiteView, cohort: list[DemoPatient], timeout_s: float) -> None:
    deadline, lacking = time.monotonic() + timeout_s, {"all": "not looked at"}
    while time.monotonic() < deadline:
        try:
            jobs = view.jobs()
            lacking = {p.label: why for p in cohort if (why := outcome(view, p, jobs))}
        except (grpc.RpcError, httpx.HTTPError, redis.RedisError) as error:
            lacking = {"all": f"unreachable: {type(error).__name__}"}
        if not lacking:
            return
        time.sleep(1.0)
    raise AssertionError(f"not converged after {timeout_s:g} s: {lacking}")


def strike(suite: Any, sender: PacsSender, view: SuiteView) -> list[str]:
    """Each fault in turn, while the PACS sends the study after its mark; waits for the
    suite to recover before the next."""
    struck, per_study = [], len(sender.cohort[0].instances)
    for studies, what, fault in FAULTS:
        sender.allow(int(studies) + 1)
        mark = int(studies * per_study)
        wait_for(
            lambda mark=mark: sender.acknowledged_count >= mark or not sender.is_alive(),
            300,
            f"{mark} acknowledged instances",
        )
        busy = sender.studies_sent - view.jobs_done()
        fault(suite)
        struck.append(f"{what} at {sender.acknowledged_count} instances, {busy} in the pipeline")
        suite.wait_serving()
    sender.allow(len(sender.cohort))
    return struck


def acknowledged_by_study(paths: set[Path]) -> dict[str, set[str]]:
    from pydicom import dcmread

    found: dict[str, set[str]] = {}
    for path in paths:
        header = dcmread(path, stop_before_pixels=True)
        found.setdefault(str(header.StudyInstanceUID), set()).add(str(header.SOPInstanceUID))
    return found


def assert_one_current_report(view: SuiteView, patient: DemoPatient, jobs: dict[str, Job]) -> None:
    uid = patient.truth["study_instance_uid"]
    study = view.study(uid)
    job = final_job(study, jobs)
    assert job is not None
    assert job.state == "SUCCEEDED", f"{patient.label}: {job.state} {job.reason}"
    reports = view.reports(uid)
    assert len(reports) == 1, f"{patient.label}: {len(reports)} reports for its study"
    assert reports[0]["status"] == "preliminary"
    assert report_digest(reports[0]) == result_set_digest(job)
    studies = [r.get("reference") for r in reports[0]["imagingStudy"]]
    assert studies == [study.imaging_study.reference]
    by_patient = view.ehr.imaging_reports(patient.patient_id)
    assert [r["id"] for r in by_patient] == [reports[0]["id"]]


def assert_no_job_stuck(view: SuiteView, jobs: dict[str, Job]) -> None:
    for job_id in jobs:
        state = inference_pb2.JobState.Name(view.job(job_id).state).removeprefix("JOB_STATE_")
        assert state in FINAL_JOB_STATES - {"DEAD_LETTERED"}, f"job {job_id}: {state}"
    assert view.redis.xlen(f"{view.prefix}:dead") == 0
    assert view.stream_backlog("jobs", JOBS_GROUP) == (0, False)
    assert view.stream_backlog("handover", HANDOVER_GROUP) == (0, False)


@pytest.mark.timeout(900)
def test_faults_during_a_20_study_run_lose_nothing_and_duplicate_nothing(
    chaos_suite: Any, tmp_path: Path
) -> None:
    suite, settings, began = chaos_suite, chaos_suite.settings, time.monotonic()
    cohort = synthesise_cohort(tmp_path / "cohort", STUDIES, SEED, SIZE)
    suite.wait_serving(timeout_s=240)
    token = system_token(settings.data_dir / "dev-issuer.jwk")
    with httpx.Client(timeout=30.0) as http:
        ehr = EhrClient(http, f"http://{settings.host}:{settings.gateway_http_port}", token)
        for patient in cohort:
            patient.patient_id = ehr.load_record(patient.bundle)
        sender = PacsSender(settings.ingestion_dimse_port, cohort)
        sender.start()
        view = SuiteView(suite, ehr)
        try:
            struck = strike(suite, sender, view)
            sender.join(timeout=300)
            assert not sender.is_alive()
            assert not sender.error, sender.error
            wait_converged(view, cohort, timeout_s=300)
            jobs = view.jobs()
            for patient in cohort:
                assert_one_current_report(view, patient, jobs)
            for uid, acknowledged in acknowledged_by_study(sender.acknowledged).items():
                assert acknowledged <= view.stored_sop_instance_uids(uid)
            assert_no_job_stuck(view, jobs)
        finally:
            view.close()
    for name in ("ingestion", "inference", "report", "gateway"):
        assert suite.supervisor.service(name).restarts >= 1, f"{name} was not restarted"
    print(
        f"chaos: {STUDIES} studies, {sender.resends} resends, {len(jobs)} jobs, "
        f"faults: {'; '.join(struck)}; {time.monotonic() - began:.0f} s"
    )
