"""Where a study's time went, from the services' own timestamps (all on this machine's clock).

- ingestion `GetStudy`: when the last instance was received;
- inference `GetJob`: when the job was created (the study was stable, its ImagingStudy
  written and the study submitted) and when it ended (pixels pulled, Triton, findings stored);
- report `GetReport`: when the DiagnosticReport was stored (its `meta.lastUpdated`). The card
  does not wait for it (the gateway builds the card from the findings and risk), so the
  report's time is a figure of its own, not a stage on the way to the card.

The job's id is asked of inference by submitting the study again exactly as ingestion did:
`SubmitStudy` is idempotent and answers the existing job (`duplicate`). "Exactly" needs the
content digest ingestion submitted, which changes once inference stores its SEG beside the
study, so `SubmissionWatch` reads it from `GetStudy` while the study is first SUBMITTED.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import grpc
from radcds.common.v1 import common_pb2
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds.report.v1 import report_pb2, report_pb2_grpc


@dataclass(frozen=True)
class StudyTimes:
    """Unix times, seconds."""

    last_received: float
    job_created: float
    job_ended: float
    job_state: str
    duplicate: bool


def _seconds(stamp: object) -> float:
    return float(stamp.ToNanoseconds()) / 1e9  # type: ignore[attr-defined]


def _fhir_instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class ServiceClocks:
    """gRPC clients of ingestion, inference and report."""

    def __init__(self, ingestion: str, inference: str, report: str) -> None:
        self._channels = [grpc.insecure_channel(a) for a in (ingestion, inference, report)]
        self.ingestion = ingestion_pb2_grpc.IngestionServiceStub(self._channels[0])
        self.inference = inference_pb2_grpc.InferenceServiceStub(self._channels[1])
        self.report = report_pb2_grpc.ReportServiceStub(self._channels[2])

    def close(self) -> None:
        for channel in self._channels:
            channel.close()

    def get_study(self, study_uid: str) -> ingestion_pb2.Study | None:
        try:
            return self.ingestion.GetStudy(
                ingestion_pb2.GetStudyRequest(study_instance_uid=study_uid), timeout=10
            ).study
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def study_times(self, submitted_as: ingestion_pb2.Study, patient_id: str) -> StudyTimes:
        """`submitted_as`: the study as GetStudy showed it when first SUBMITTED."""
        study_uid = submitted_as.study_instance_uid
        submitted = self.inference.SubmitStudy(
            inference_pb2.SubmitStudyRequest(
                study_instance_uid=study_uid,
                content_digest=submitted_as.content_digest,
                imaging_study=submitted_as.imaging_study,
                patient=common_pb2.FhirReference(reference=f"Patient/{patient_id}"),
            ),
            timeout=10,
        )
        job = self.inference.GetJob(
            inference_pb2.GetJobRequest(job_id=submitted.job_id), timeout=10
        ).job
        return StudyTimes(
            last_received=_seconds(submitted_as.last_received_time),
            job_created=_seconds(job.created_time),
            job_ended=_seconds(job.updated_time),
            job_state=inference_pb2.JobState.Name(job.state),
            duplicate=submitted.duplicate,
        )

    def report_stored(self, study_uid: str, timeout_s: float, poll_s: float = 0.25) -> float:
        """When the study's DiagnosticReport was stored; waits for it up to `timeout_s`."""
        request = report_pb2.GetReportRequest(study_instance_uid=study_uid, omit_documents=True)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                report = self.report.GetReport(request, timeout=10).report
                return _fhir_instant(json.loads(report.diagnostic_report)["meta"]["lastUpdated"])
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                    raise
            time.sleep(poll_s)


class SubmissionWatch:
    """Polls GetStudy in a thread until the study is first SUBMITTED; keeps that Study."""

    def __init__(self, clocks: ServiceClocks, study_uid: str, poll_s: float = 0.05) -> None:
        self.submitted: ingestion_pb2.Study | None = None
        self._clocks, self._uid, self._poll_s = clocks, study_uid, poll_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> SubmissionWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._done.is_set():
            study = self._clocks.get_study(self._uid)
            if study is not None and study.state == ingestion_pb2.STUDY_STATE_SUBMITTED:
                self.submitted = study
                return
            time.sleep(self._poll_s)
