"""Accepting one received instance: validate, make durable, index.

Shared by the DIMSE SCP, STOW-RS and the gRPC StoreInstances call, so each
path gives the same answer for the same bytes.
"""

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from radcds_kit.telemetry import current_traceparent

from radcds_ingestion import statuses
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.instance_header import InstanceHeader, RejectedInstance, read_instance_header
from radcds_ingestion.spool import InstanceSpool, fsync_file
from radcds_ingestion.study_trace import receive_span

log = logging.getLogger(__name__)

# Threads that fsync incoming files: as many as instances stored at once (the default
# 10 associations, and STOW-RS beside them); beyond that a flush waits its turn.
FLUSH_THREADS = 16


@dataclass(frozen=True)
class StoreOutcome:
    status: int
    reason: str = ""
    header: InstanceHeader | None = None

    @property
    def stored(self) -> bool:
        return self.status == statuses.SUCCESS


class InstanceReceiver:
    """Turns an incoming file into a durable, indexed instance, or refuses it."""

    def __init__(self, spool: InstanceSpool, index: InstanceIndex, max_instance_bytes: int) -> None:
        self.spool = spool
        self.index = index
        self.max_instance_bytes = max_instance_bytes
        # The incoming file's fdatasync (disk, without the GIL) runs while its header is
        # parsed (CPU); it is renamed into the spool only once both are done.
        self._flushes = ThreadPoolExecutor(FLUSH_THREADS, thread_name_prefix="fdatasync")

    def accept(
        self, incoming: Path, expected_sop_instance_uid: str = "", expected_study_uid: str = ""
    ) -> StoreOutcome:
        """Store ``incoming`` (consumed either way) and return the PS3.4 Annex B status.
        With ``expected_study_uid`` (STOW-RS to /studies/{study}) an instance of another
        study is refused."""
        header: InstanceHeader | None = None
        flushed: Future[None] | None = None
        try:
            self._check_capacity(incoming)
            flushed = self._flushes.submit(fsync_file, incoming)
            header = self._validate(incoming, expected_sop_instance_uid)
            if expected_study_uid and header.study_instance_uid != expected_study_uid:
                raise RejectedInstance(
                    statuses.STUDY_INSTANCE_UID_MISMATCH, "instance of another study"
                )
            with receive_span(self.index, header):
                self._store(incoming, header, flushed)
        except RejectedInstance as rejected:
            if flushed is not None:
                wait([flushed])
            self.spool.discard(incoming)
            log.info(
                "instance refused",
                extra={"status": hex(rejected.status), "reason": rejected.reason},
            )
            return StoreOutcome(rejected.status, rejected.reason, header)
        return StoreOutcome(statuses.SUCCESS, header=header)

    def _check_capacity(self, incoming: Path) -> None:
        if self.spool.above_watermark():
            raise RejectedInstance(statuses.OUT_OF_RESOURCES, "spool above its disk watermark")
        if incoming.stat().st_size > self.max_instance_bytes:
            raise RejectedInstance(statuses.OUT_OF_RESOURCES, "instance larger than allowed")

    def _validate(self, incoming: Path, expected_sop_instance_uid: str) -> InstanceHeader:
        header = read_instance_header(incoming)
        if expected_sop_instance_uid and header.sop_instance_uid != expected_sop_instance_uid:
            raise RejectedInstance(statuses.CANNOT_UNDERSTAND, "dataset names another instance")
        return header

    def _store(self, incoming: Path, header: InstanceHeader, flushed: Future[None]) -> None:
        size = incoming.stat().st_size
        try:
            flushed.result()
            final = self.spool.place(incoming, header.study_instance_uid, header.sop_instance_uid)
        except OSError as error:
            raise RejectedInstance(statuses.OUT_OF_RESOURCES, "could not write") from error
        self.index.add(header, str(final), size, time.time(), current_traceparent())
        log.debug(
            "instance stored",
            extra={"sop_instance_uid": header.sop_instance_uid, "bytes": size},
        )
