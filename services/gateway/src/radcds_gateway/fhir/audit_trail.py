"""The audit trail: requests record what they touched; one thread writes the AuditEvents.

A request only queues a record, so that a read does not wait on a write transaction.
The writer thread resolves which patients each record concerns from the search index,
builds the BALP AuditEvents and stores them in batches; stop() writes what is queued.
"""

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from radcds_gateway.fhir.access import AccessToken
from radcds_gateway.fhir.audit import audit_event

log = logging.getLogger(__name__)

BATCH = 500
ResourceKey = tuple[str, str]
# Resource keys -> for each, the ids of the patients whose compartments hold it.
PatientResolver = Callable[[set[ResourceKey]], dict[ResourceKey, set[str]]]
BatchWriter = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class AuditRecord:
    interaction: str
    token: AccessToken
    # "Type/id/_history/v" of the one resource read or written; None for a search.
    what: str | None = None
    # The resources whose patients the event names, resolved when written.
    touched: tuple[ResourceKey, ...] = ()
    query: str | None = None
    recorded: datetime = field(default_factory=lambda: datetime.now(UTC))


class AuditTrail:
    def __init__(
        self, resolve_patients: PatientResolver, write_batch: BatchWriter, interval_s: float = 0.2
    ) -> None:
        self._resolve_patients = resolve_patients
        self._write_batch = write_batch
        self._interval_s = interval_s
        self._queue: queue.Queue[AuditRecord] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-trail", daemon=True)
        # Taken from the queue but not yet stored: retried first.
        self._unwritten: list[AuditRecord] = []

    def start(self) -> None:
        self._thread.start()

    def record(self, record: AuditRecord) -> None:
        self._queue.put(record)

    def flush(self) -> None:
        """Blocks until every queued record is written (while the database fails, longer)."""
        self._queue.join()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        while self._drain():
            pass
        if self._unwritten:
            log.error("audit events lost at shutdown", extra={"events": len(self._unwritten)})

    def _run(self) -> None:
        # Writing once per interval rather than on every record keeps batches large: the
        # cost of a write transaction is mostly per batch, not per event.
        while not self._stopping.wait(self._interval_s):
            while self._drain():
                pass

    def _take(self) -> list[AuditRecord]:
        batch, self._unwritten = self._unwritten, []
        try:
            while len(batch) < BATCH:
                batch.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return batch

    def _drain(self) -> bool:
        """Writes one batch; False when there was nothing to write or the write failed,
        in which case the batch is kept for the next interval."""
        batch = self._take()
        if not batch:
            return False
        try:
            touched = {key for record in batch for key in record.touched}
            patients = self._resolve_patients(touched) if touched else {}
            self._write_batch([_event(record, patients) for record in batch])
        except Exception:
            log.exception("audit events not written yet", extra={"events": len(batch)})
            self._unwritten = batch
            return False
        for _ in batch:
            self._queue.task_done()
        return True


def _event(record: AuditRecord, patients_of: dict[ResourceKey, set[str]]) -> dict[str, Any]:
    patients = set().union(*(patients_of.get(key, set()) for key in record.touched))
    return audit_event(
        record.interaction,
        record.token,
        patients,
        record.what,
        query=record.query,
        recorded=record.recorded,
    )
