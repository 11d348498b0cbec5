"""radcds.inference.v1.InferenceService: SubmitStudy, GetJob, ListModels."""

from __future__ import annotations

import re
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.propagate import inject
from radcds.common.v1 import common_pb2
from radcds.inference.v1 import inference_pb2, inference_pb2_grpc

from radcds_inference.jobs import Job, JobStore, submission_id
from radcds_inference.model_config import ModelSpec
from radcds_inference.routing import RoutingTable
from radcds_inference.triton import TritonModels, TritonUnavailable

Context = grpc.aio.ServicerContext[Any, Any]
UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
REFERENCE = re.compile(r"^[A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


class InferenceServicer(inference_pb2_grpc.InferenceServiceServicer):
    def __init__(self, store: JobStore, routing: RoutingTable, triton: TritonModels) -> None:
        self.store = store
        self.routing = routing
        self.triton = triton

    async def _model_versions(self) -> list[str]:
        """name@version of each routed model; the cached spec while Triton is away."""
        versions = []
        for name in self.routing.models:
            spec = self.triton.cached_spec(name)
            if spec is None:
                try:
                    spec = await self.triton.spec(name)
                except (TritonUnavailable, ValueError):
                    spec = None
            versions.append(spec.version_key if spec else f"{name}@unknown")
        return versions

    async def SubmitStudy(
        self, request: inference_pb2.SubmitStudyRequest, context: Context
    ) -> inference_pb2.SubmitStudyResponse:
        await _validate(request, context)
        versions = await self._model_versions()
        job_id = submission_id(request.study_instance_uid, request.content_digest, versions)
        job = Job(
            job_id=job_id,
            study_instance_uid=request.study_instance_uid,
            content_digest=request.content_digest,
            imaging_study=request.imaging_study.reference,
            imaging_study_version=request.imaging_study.version_id[:64],
            patient=request.patient.reference,
        )
        carrier: dict[str, str] = {}
        inject(carrier)
        created = await self.store.submit(job, carrier.get("traceparent", ""))
        return inference_pb2.SubmitStudyResponse(job_id=job_id, duplicate=not created)

    async def GetJob(
        self, request: inference_pb2.GetJobRequest, context: Context
    ) -> inference_pb2.GetJobResponse:
        if not re.fullmatch(r"[0-9a-f]{32}", request.job_id):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "job_id is 32 hex digits")
        job = await self.store.get(request.job_id)
        if job is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such job")
        assert job is not None
        return inference_pb2.GetJobResponse(job=job_message(job))

    async def ListModels(
        self, request: inference_pb2.ListModelsRequest, context: Context
    ) -> inference_pb2.ListModelsResponse:
        models = []
        for name in self.routing.models:
            spec: ModelSpec | None
            try:
                spec = await self.triton.spec(name)
            except (TritonUnavailable, ValueError):
                spec = self.triton.cached_spec(name)
            model = inference_pb2.Model(name=name, ready=await self.triton.model_ready(name))
            if spec is not None:
                model.version = spec.version
                model.description = spec.description
                model.model_card_url = spec.model_card
                model.clinical_use = spec.clinical_use
            models.append(model)
        return inference_pb2.ListModelsResponse(models=models)


async def _validate(request: inference_pb2.SubmitStudyRequest, context: Context) -> None:
    problems = []
    if not UID.fullmatch(request.study_instance_uid) or len(request.study_instance_uid) > 64:
        problems.append("study_instance_uid is not a DICOM UID")
    if not request.content_digest or len(request.content_digest) > 128:
        problems.append("content_digest is required (at most 128 characters)")
    if not REFERENCE.fullmatch(request.imaging_study.reference or "") or not (
        request.imaging_study.reference.startswith("ImagingStudy/")
    ):
        problems.append("imaging_study must reference ImagingStudy/<id>")
    if request.patient.reference and not REFERENCE.fullmatch(request.patient.reference):
        problems.append("patient must be a reference Patient/<id>")
    if problems:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(problems))


def _timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def job_message(job: Job) -> inference_pb2.Job:
    return inference_pb2.Job(
        job_id=job.job_id,
        study_instance_uid=job.study_instance_uid,
        state=inference_pb2.JobState.Value(f"JOB_STATE_{job.state}"),
        attempts=job.attempts,
        reason=job.reason,
        runs=[inference_pb2.ModelRun(**run) for run in job.runs],
        findings=[common_pb2.FhirReference(reference=ref) for ref in job.findings],
        report_handover=inference_pb2.HandoverState.Value(f"HANDOVER_STATE_{job.report_handover}"),
        created_time=_timestamp(job.created),
        updated_time=_timestamp(job.updated),
    )
