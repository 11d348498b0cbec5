"""The delivery worker: builds requested publications, then sends what is due (C-STORE or
STOW-RS, by destination).

An outbox entry is marked delivered only on a stored status from the destination
(PS3.4 B.2.3; PS3.18 10.5.3 for STOW-RS); every failure is recorded with its attempt
count and retried after an exponential backoff, for as long as the service runs. Nothing
is ever dropped.
"""

import asyncio
import contextlib
import logging
from typing import Any

import sqlalchemy as sa

from radcds_report.pacs.cstore import DeliveryFailed
from radcds_report.pacs.destinations import PacsDestination
from radcds_report.pacs.publisher import ReportPublisher
from radcds_report.pacs.retry import RetryPolicy
from radcds_report.pacs.senders import Senders
from radcds_report.state import ReportState

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(
        self,
        state: ReportState,
        publisher: ReportPublisher,
        senders: Senders,
        destinations: list[PacsDestination],
        retry: RetryPolicy,
        poll_s: float,
    ) -> None:
        self._state = state
        self._publisher = publisher
        self._senders = senders
        self._destinations = {d.key: d for d in destinations}
        self._retry = retry
        self._poll_s = poll_s
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        log.info("pacs delivery worker started", extra={"destinations": len(self._destinations)})
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as error:  # a broken round must not stop delivery
                log.error("pacs delivery round failed", extra={"error_type": type(error).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll_s)

    async def run_once(self) -> None:
        """One round: publications first, then every delivery that is due."""
        await self._publisher.publish_due()
        for row in await asyncio.to_thread(self._state.due):
            if self._stopping.is_set():
                return
            await self._deliver(row)

    async def _deliver(self, row: sa.Row[Any]) -> None:
        destination = self._destinations.get(row.destination)
        try:
            if destination is None:
                raise DeliveryFailed("destination no longer configured")
            status = await asyncio.to_thread(self._senders.store, destination, row.dataset)
        except Exception as error:  # recorded and retried, never dropped
            await self._failed(row, error)
            return
        await asyncio.to_thread(self._state.delivered, row.id)
        log.info(
            "pacs delivery stored",
            extra={"delivery_id": row.id, "kind": row.kind, "destination": self._label(row),
                   "attempts": row.attempts + 1, "status": status},
        )  # fmt: skip

    async def _failed(self, row: sa.Row[Any], error: Exception) -> None:
        attempts = row.attempts + 1
        backoff = self._retry.backoff_s(attempts)
        reason = str(error) if isinstance(error, DeliveryFailed) else type(error).__name__
        await asyncio.to_thread(self._state.failed, row.id, attempts, reason, backoff)
        log.warning(
            "pacs delivery failed",
            extra={"delivery_id": row.id, "kind": row.kind, "destination": self._label(row),
                   "attempts": attempts, "reason": reason, "retry_in_s": backoff},
        )  # fmt: skip

    def _label(self, row: sa.Row[Any]) -> str:
        destination = self._destinations.get(row.destination)
        return destination.label if destination else "unconfigured"
