"""The job consumer and the report hand-over consumer.

A job entry is acknowledged only together with its stored outcome. While Triton is not
ready, or a peer is down (UNAVAILABLE), the worker backs off without spending an attempt;
other failures spend one, and the job is dead-lettered, with its reason, after the
configured number. Entries left by a worker that died are taken over after the claim idle
time (XAUTOCLAIM).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from radcds_kit.telemetry import context_of, current_traceparent
from redis.exceptions import RedisError

from radcds_inference.jobs import HANDOVER_GROUP, JOBS_GROUP, Entry, Job, JobStore
from radcds_inference.peers import PeerError, Report
from radcds_inference.pipeline import JobFailed, JobPipeline
from radcds_inference.settings import InferenceSettings
from radcds_inference.triton import TritonModels, TritonUnavailable

log = logging.getLogger(__name__)
tracer = trace.get_tracer("radcds_inference")
T = TypeVar("T")


async def untraced(polling: Awaitable[T]) -> T:
    """Polling a queue runs twice a second: traced, every poll would be a trace of its own.
    The work an entry starts is traced, in the trace the entry carries."""
    with suppress_instrumentation():
        return await polling


def consumer_name(index: int) -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{index}"


class Backoff:
    def __init__(self, first_s: float, max_s: float) -> None:
        self.first, self.max, self.current = first_s, max_s, first_s

    async def wait(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.current)
        self.current = min(self.current * 2, self.max)

    def reset(self) -> None:
        self.current = self.first


class JobWorker:
    def __init__(
        self,
        store: JobStore,
        pipeline: JobPipeline,
        triton: TritonModels,
        settings: InferenceSettings,
        index: int = 0,
    ) -> None:
        self.store, self.pipeline, self.triton = store, pipeline, triton
        self.settings = settings
        self.consumer = consumer_name(index)
        self.stop = asyncio.Event()
        self.backoff = Backoff(settings.inference_backoff_s, settings.inference_backoff_max_s)

    async def run(self) -> None:
        while not self.stop.is_set():
            try:
                await untraced(self.store.ensure_groups())
                await self._work_once()
            except RedisError as error:
                log.warning("redis unavailable", extra={"error": type(error).__name__})
                await self.backoff.wait(self.stop)

    async def _work_once(self) -> None:
        for entry in await untraced(self._next()):
            if await self.handle(entry):
                self.backoff.reset()
            else:
                await self.backoff.wait(self.stop)

    async def _next(self) -> list[Entry]:
        stream, group = self.store.jobs_stream, JOBS_GROUP
        own = await self.store.read(stream, group, self.consumer, own=True, block_ms=0)
        if own:
            return own
        stale = await self.store.reclaim(
            stream, group, self.consumer, self.settings.inference_claim_idle_ms
        )
        return stale or await self.store.read(stream, group, self.consumer, own=False, block_ms=500)

    async def handle(self, entry: Entry) -> bool:
        """Works one entry; False when it is left pending for a later try."""
        entry_id, fields = entry
        job = await self.store.get(fields.get("job_id", ""))
        if job is None or job.state in (
            "SUCCEEDED",
            "NO_APPLICABLE_MODEL",
            "FAILED",
            "DEAD_LETTERED",
        ):
            await self.store.ack(self.store.jobs_stream, JOBS_GROUP, entry_id)
            return True
        if not await self.triton.server_ready():
            await self.store.update(job.job_id, reason="waiting for Triton to be ready")
            return False
        with tracer.start_as_current_span(
            "inference.job",
            context=context_of(fields.get("traceparent", "")),
            attributes={"radcds.job_id": job.job_id},
        ):
            return await self._attempt(entry_id, job)

    async def _attempt(self, entry_id: str, job: Job) -> bool:
        job.attempts = await self.store.add_attempt(job.job_id)
        await self.store.update(job.job_id, state="RUNNING")
        try:
            outcome = await self.pipeline.run(
                job.job_id, job.study_instance_uid, job.imaging_study, job.patient
            )
        except JobFailed as error:
            return await self._end(entry_id, job, "FAILED", str(error))
        except PeerError as error:
            if error.down:
                return await self._wait_for_peer(job, str(error))
            return await self._retry_or_dead_letter(entry_id, job, str(error))
        except TritonUnavailable as error:
            return await self._retry_or_dead_letter(entry_id, job, str(error))
        except Exception as error:
            log.exception("job attempt failed", extra={"job_id": job.job_id})
            return await self._retry_or_dead_letter(
                entry_id, job, f"internal error: {type(error).__name__}"
            )
        if outcome is None:
            return await self._end(entry_id, job, "NO_APPLICABLE_MODEL", "")
        job.runs, job.findings = outcome.runs, outcome.findings
        job.report_handover = "PENDING"
        return await self._end(entry_id, job, "SUCCEEDED", "", handover=True)

    async def _wait_for_peer(self, job: Job, reason: str) -> bool:
        """A peer that is down (restarting) costs no attempt, as Triton not ready does not:
        the entry stays pending and is tried again after the backoff."""
        await self.store.update(
            job.job_id, state="QUEUED", attempts=job.attempts - 1, reason=f"waiting: {reason}"
        )
        return False

    async def _retry_or_dead_letter(self, entry_id: str, job: Job, reason: str) -> bool:
        reason = f"attempt {job.attempts}: {reason}"
        if job.attempts >= self.settings.inference_max_attempts:
            return await self._end(entry_id, job, "DEAD_LETTERED", reason)
        await self.store.update(job.job_id, state="QUEUED", reason=reason)
        return False

    async def _end(
        self, entry_id: str, job: Job, state: str, reason: str, handover: bool = False
    ) -> bool:
        job.state, job.reason = state, reason
        if not handover and job.report_handover == "UNSPECIFIED":
            job.report_handover = "NOT_NEEDED"
        await self.store.finish(entry_id, job, handover=handover, traceparent=current_traceparent())
        log.info("job finished", extra={"job_id": job.job_id, "state": state})
        return True


def result_set_digest(job: Job) -> str:
    material = "\n".join([job.job_id, *sorted(job.findings)])
    return hashlib.sha256(material.encode()).hexdigest()


class HandoverWorker:
    """Hands each succeeded job to report Compose until report accepts it."""

    def __init__(self, store: JobStore, report: Report, settings: InferenceSettings) -> None:
        self.store, self.report, self.settings = store, report, settings
        self.consumer = consumer_name(0)
        self.stop = asyncio.Event()

    async def run(self) -> None:
        backoff = Backoff(self.settings.inference_backoff_s, self.settings.inference_backoff_max_s)
        while not self.stop.is_set():
            try:
                await untraced(self.store.ensure_groups())
                await self._work_once()
                backoff.reset()
            except RedisError as error:
                log.warning("redis unavailable", extra={"error": type(error).__name__})
                await backoff.wait(self.stop)

    async def _work_once(self) -> None:
        stream, group = self.store.handover_stream, HANDOVER_GROUP
        idle = self.settings.inference_handover_idle_ms
        entries = await untraced(self.store.reclaim(stream, group, self.consumer, idle))
        entries = entries or await untraced(
            self.store.read(stream, group, self.consumer, own=False, block_ms=500)
        )
        for entry_id, fields in entries:
            # The job's trace continues, so report's Compose is in the study's trace.
            with tracer.start_as_current_span(
                "inference.report_handover",
                context=context_of(fields.get("traceparent", "")),
                attributes={"radcds.job_id": fields.get("job_id", "")},
            ):
                await self.hand_over(entry_id, fields.get("job_id", ""))

    async def hand_over(self, entry_id: str, job_id: str) -> None:
        job = await self.store.get(job_id)
        if job is None or job.report_handover == "ACCEPTED":
            await self.store.ack(self.store.handover_stream, HANDOVER_GROUP, entry_id)
            return
        try:
            await self.report.compose(
                job.job_id,
                job.study_instance_uid,
                job.imaging_study,
                job.patient,
                job.findings,
                result_set_digest(job),
                imaging_study_version=job.imaging_study_version,
            )
        except PeerError as error:
            # Stays pending: XAUTOCLAIM brings it back after the hand-over idle time.
            log.info("report hand-over pending", extra={"job_id": job_id, "error": str(error)})
            return
        await self.store.update(job.job_id, report_handover="ACCEPTED")
        await self.store.ack(self.store.handover_stream, HANDOVER_GROUP, entry_id)
