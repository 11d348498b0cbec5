"""Turns publication requests into outbox entries: one per document and destination."""

import asyncio
import logging
from typing import Any

from radcds_kit.fhir_store import FhirStoreClient

from radcds_report.composer import current_report, result_set_digest
from radcds_report.pacs.destinations import PacsDestination
from radcds_report.pacs.documents import (
    DicomDocument,
    build_documents,
    current_content,
    report_version,
)
from radcds_report.pacs.publications import PublicationQueue, PublicationRequest
from radcds_report.pacs.retry import RetryPolicy
from radcds_report.pacs.sources import SourceLoader
from radcds_report.state import ReportState

log = logging.getLogger(__name__)
Resource = dict[str, Any]
KINDS = ("sr", "pdf")


class NotPublishable(ValueError):
    """The report cannot become DICOM as it stands (no content, no source images)."""


class ReportPublisher:
    def __init__(
        self,
        store: FhirStoreClient,
        state: ReportState,
        queue: PublicationQueue,
        sources: SourceLoader,
        destinations: list[PacsDestination],
        retry: RetryPolicy,
    ) -> None:
        self._store = store
        self._state = state
        self._queue = queue
        self._sources = sources
        self._destinations = destinations
        self._retry = retry

    async def publish_due(self) -> None:
        for request in await asyncio.to_thread(self._queue.due):
            try:
                await self.publish(request.study_uid)
            except Exception as error:  # each failure is retried, never dropped
                await self._failed(request, error)
            else:
                await asyncio.to_thread(self._queue.published, request)

    async def _failed(self, request: PublicationRequest, error: Exception) -> None:
        backoff = self._retry.backoff_s(request.attempts + 1)
        log.warning(
            "pacs publication failed",
            extra={"error_type": type(error).__name__, "attempts": request.attempts + 1,
                   "retry_in_s": backoff},
        )  # fmt: skip
        await asyncio.to_thread(self._queue.failed, request, type(error).__name__, backoff)

    async def publish(self, study_uid: str) -> None:
        """Queues the SR and the PDF of the study's current report for every destination."""
        report = await current_report(self._store, study_uid)
        if report is None:
            return
        version = report_version(report)
        wanted = {(d.key, version.instance_uid(k)) for d in self._destinations for k in KINDS}
        rows = await asyncio.to_thread(self._state.deliveries_of, study_uid)
        if wanted <= {(r.destination, r.sop_instance_uid) for r in rows}:
            return
        documents = await self._documents(study_uid, report)
        for destination in self._destinations:
            for document in documents:
                await asyncio.to_thread(
                    self._state.enqueue, destination.key, document.sop_instance_uid,
                    study_uid, document.kind, document.part10,
                )  # fmt: skip
        counts = {"documents": len(documents), "destinations": len(self._destinations)}
        log.info("pacs documents queued", extra=counts)

    async def _documents(self, study_uid: str, report: Resource) -> list[DicomDocument]:
        digest = result_set_digest(report) or ""
        composed = await asyncio.to_thread(self._state.load_content, study_uid, digest)
        if composed is None:
            raise NotPublishable("the report was not composed by radcds")
        observations = [
            await self._store.get("Observation", ref["reference"].partition("/")[2])
            for ref in report.get("result", [])
        ]
        sources = await self._sources.datasets(study_uid)
        content = current_content(report, composed)
        return await asyncio.to_thread(build_documents, report, content, observations, sources)
