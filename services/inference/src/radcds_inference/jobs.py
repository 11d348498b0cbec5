"""Inference jobs in Redis: a hash per job, a stream of work with a consumer group, a
dead-letter stream, and a stream of report hand-overs.

A submission creates its job and its stream entry atomically (one Lua script), keyed by the
digest of (study, content digest, model versions), so a repeat finds the existing job. An
entry is acknowledged only in the same transaction that records the job's outcome.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

JOB_STATES = ("QUEUED", "RUNNING", "SUCCEEDED", "NO_APPLICABLE_MODEL", "FAILED", "DEAD_LETTERED")
FINAL_STATES = frozenset({"SUCCEEDED", "NO_APPLICABLE_MODEL", "FAILED", "DEAD_LETTERED"})
JOBS_GROUP = "workers"
HANDOVER_GROUP = "handover"

# KEYS: job hash, jobs stream. ARGV: job fields as JSON, traceparent.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = cjson.decode(ARGV[1])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('XADD', KEYS[2], '*', 'job_id', fields['job_id'], 'traceparent', ARGV[2])
return 1
"""


def submission_id(study_uid: str, content_digest: str, model_versions: list[str]) -> str:
    material = "\n".join([study_uid, content_digest, *sorted(model_versions)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


@dataclass
class Job:
    job_id: str
    study_instance_uid: str
    content_digest: str
    imaging_study: str
    patient: str
    state: str = "QUEUED"
    attempts: int = 0
    reason: str = ""
    runs: list[dict[str, str]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    report_handover: str = "UNSPECIFIED"
    created: float = 0.0
    updated: float = 0.0
    # The ImagingStudy version ingestion submitted: report orders result sets by it.
    imaging_study_version: str = ""

    def to_fields(self) -> dict[str, str]:
        return {
            "job_id": self.job_id,
            "study_instance_uid": self.study_instance_uid,
            "content_digest": self.content_digest,
            "imaging_study": self.imaging_study,
            "imaging_study_version": self.imaging_study_version,
            "patient": self.patient,
            "state": self.state,
            "attempts": str(self.attempts),
            "reason": self.reason,
            "runs": json.dumps(self.runs),
            "findings": json.dumps(self.findings),
            "report_handover": self.report_handover,
            "created": repr(self.created),
            "updated": repr(self.updated),
        }

    @classmethod
    def from_fields(cls, raw: dict[Any, Any]) -> Job:
        f = {k.decode(): v.decode() for k, v in raw.items()}
        return cls(
            job_id=f["job_id"],
            study_instance_uid=f["study_instance_uid"],
            content_digest=f.get("content_digest", ""),
            imaging_study=f.get("imaging_study", ""),
            imaging_study_version=f.get("imaging_study_version", ""),
            patient=f.get("patient", ""),
            state=f.get("state", "QUEUED"),
            attempts=int(f.get("attempts", "0")),
            reason=f.get("reason", ""),
            runs=json.loads(f.get("runs", "[]")),
            findings=json.loads(f.get("findings", "[]")),
            report_handover=f.get("report_handover", "UNSPECIFIED"),
            created=float(f.get("created", "0")),
            updated=float(f.get("updated", "0")),
        )


Entry = tuple[str, dict[str, str]]


class JobStore:
    """The Redis side of jobs; shared by the servicer and the workers."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.jobs_stream = f"{prefix}:jobs"
        self.dead_stream = f"{prefix}:dead"
        self.handover_stream = f"{prefix}:handover"
        self._prefix = prefix
        self._create = redis.register_script(_CREATE)

    def _key(self, job_id: str) -> str:
        return f"{self._prefix}:job:{job_id}"

    async def ensure_groups(self) -> None:
        for stream, group in (
            (self.jobs_stream, JOBS_GROUP),
            (self.handover_stream, HANDOVER_GROUP),
        ):
            try:
                await self.redis.xgroup_create(stream, group, id="0", mkstream=True)
            except Exception as error:  # BUSYGROUP: it exists already
                if "BUSYGROUP" not in str(error):
                    raise

    async def submit(self, job: Job, traceparent: str) -> bool:
        """Creates the job and queues it; False when it existed already."""
        job.created = job.updated = time.time()
        created = await self._create(
            keys=[self._key(job.job_id), self.jobs_stream],
            args=[json.dumps(job.to_fields()), traceparent],
        )
        return bool(created)

    async def get(self, job_id: str) -> Job | None:
        raw = await self.redis.hgetall(self._key(job_id))
        return Job.from_fields(raw) if raw else None

    async def update(self, job_id: str, **fields: Any) -> None:
        encoded = {k: json.dumps(v) if isinstance(v, list) else str(v) for k, v in fields.items()}
        encoded["updated"] = repr(time.time())
        await self.redis.hset(self._key(job_id), mapping=dict[Any, Any](encoded))

    async def add_attempt(self, job_id: str) -> int:
        return int(await self.redis.hincrby(self._key(job_id), "attempts", 1))

    async def finish(
        self, entry_id: str, job: Job, *, handover: bool, traceparent: str = ""
    ) -> None:
        """Records the outcome, queues the hand-over (with the job's trace context) and
        acknowledges, all at once."""
        job.updated = time.time()
        async with self.redis.pipeline(transaction=True) as tx:
            tx.hset(self._key(job.job_id), mapping=dict[Any, Any](job.to_fields()))
            if handover:
                entry = {"job_id": job.job_id, "traceparent": traceparent}
                tx.xadd(self.handover_stream, dict[Any, Any](entry))
            if job.state == "DEAD_LETTERED":
                tx.xadd(self.dead_stream, {"job_id": job.job_id, "reason": job.reason})
            tx.xack(self.jobs_stream, JOBS_GROUP, entry_id)
            await tx.execute()

    async def ack(self, stream: str, group: str, entry_id: str) -> None:
        await self.redis.xack(stream, group, entry_id)

    async def read(
        self, stream: str, group: str, consumer: str, own: bool, block_ms: int
    ) -> list[Entry]:
        """New entries, or (own) this consumer's delivered but unacknowledged ones."""
        reply = await self.redis.xreadgroup(
            group, consumer, {stream: "0" if own else ">"}, count=1, block=None if own else block_ms
        )
        streams: list[Any] = list(reply or [])
        return [_entry(e) for item in streams for e in item[1] if e[1]]

    async def reclaim(self, stream: str, group: str, consumer: str, idle_ms: int) -> list[Entry]:
        """Entries idle longer than idle_ms with any consumer, taken over (XAUTOCLAIM)."""
        reply: Any = await self.redis.xautoclaim(stream, group, consumer, idle_ms, "0-0", count=1)
        return [_entry(e) for e in reply[1] if e[1]]


def _entry(raw: Any) -> Entry:
    entry_id, fields = raw[0], raw[1]
    return entry_id.decode(), {k.decode(): v.decode() for k, v in fields.items()}
