"""The report as the gRPC API returns it: the DiagnosticReport, its documents (the PDF, the
HTML and each key image) and where its DICOM documents stand with the PACS."""

import asyncio
import base64
import json
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from radcds.report.v1 import report_pb2
from radcds_kit.fhir_store import FhirStoreClient

from radcds_report.lifecycle import study_uid_of
from radcds_report.state import ReportState

Resource = dict[str, Any]

# The SOP classes the outbox sends, by its `kind` column.
SOP_CLASS_OF_KIND = {
    "sr": "1.2.840.10008.5.1.4.1.1.88.34",  # Comprehensive 3D SR Storage
    "pdf": "1.2.840.10008.5.1.4.1.1.104.1",  # Encapsulated PDF Storage
}
DELIVERY_STATES = {
    "pending": report_pb2.DELIVERY_STATE_PENDING,
    "delivered": report_pb2.DELIVERY_STATE_DELIVERED,
}


def _document(attachment: Resource) -> report_pb2.Document:
    return report_pb2.Document(
        title=attachment.get("title", ""),
        content_type=attachment.get("contentType", ""),
        data=base64.b64decode(attachment.get("data", "")),
    )


def _timestamp(seconds: float | None) -> Timestamp | None:
    if seconds is None:
        return None
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def _delivery(row: Any) -> report_pb2.PacsDelivery:
    pending = row.state == "pending"
    return report_pb2.PacsDelivery(
        destination=row.destination,
        sop_class_uid=SOP_CLASS_OF_KIND.get(row.kind, ""),
        sop_instance_uid=row.sop_instance_uid,
        state=DELIVERY_STATES.get(row.state, report_pb2.DELIVERY_STATE_UNSPECIFIED),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_time=_timestamp(row.next_attempt if pending else None),
        delivered_time=_timestamp(row.delivered_at),
    )


class ReportMessages:
    def __init__(self, store: FhirStoreClient, state: ReportState) -> None:
        self._store = store
        self._state = state

    async def report(self, report: Resource, with_documents: bool) -> report_pb2.Report:
        documents = []
        if with_documents:
            forms = [f for f in report.get("presentedForm", []) if f.get("data")]
            documents = [_document(f) for f in forms + await self._key_images(report)]
        rows = await asyncio.to_thread(self._state.deliveries_of, study_uid_of(report))
        return report_pb2.Report(
            diagnostic_report=json.dumps(report).encode(),
            documents=documents,
            deliveries=[_delivery(r) for r in rows],
        )

    async def _key_images(self, report: Resource) -> list[Resource]:
        """The content of each Media the report links (DiagnosticReport.media)."""
        found = []
        for item in report.get("media", []):
            kind, _, media_id = str(item.get("link", {}).get("reference", "")).partition("/")
            if kind == "Media" and media_id:
                media = await self._store.get("Media", media_id)
                found.append({"title": item.get("comment", ""), **media.get("content", {})})
        return found
