"""The radiologists' worklist: AI results ordered by urgency (STAT first), then by how
long they have waited; and the server-sent event stream that keeps an open list current."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from radcds_gateway.web import fhir_text as t
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.fhir_reader import FhirReader, Resource
from radcds_gateway.web.sessions import WebSession

DONE_STATUSES = {"final", "amended", "corrected", "appended"}


def require_worklist_access(session: WebSession) -> None:
    """The worklist spans patients: a patient-confined launch may not open it."""
    if session.token.patient_restriction("DiagnosticReport", "search") is not None:
        raise PageError(403, "The worklist needs a radiologist's sign-in, not a patient launch.")
    if not session.token.scopes.allows("DiagnosticReport", "search"):
        raise PageError(403, "Your sign-in does not allow reading reports.")


async def report_results(reader: FhirReader, report: Resource) -> list[Resource]:
    """The report's result Observations the user may read; the others are left out."""
    found = []
    for result in report.get("result", []):
        try:
            found.append(await reader.read(str(result.get("reference", ""))))
        except PageError:
            continue
    return found


async def _row(reader: FhirReader, report: Resource) -> dict[str, Any]:
    results = await report_results(reader, report)
    priority = min((t.priority_code(o) for o in results), key=_rank, default="R")
    result_at = min((m for o in results if (m := t.instant(o.get("issued")))), default=None)
    study_refs = report.get("imagingStudy", [])
    study = await reader.read(study_refs[0]["reference"]) if study_refs else {}
    images_at = t.instant(study.get("meta", {}).get("lastUpdated"))
    patient = await reader.read(str(report.get("subject", {}).get("reference", "")))
    return {
        "id": report["id"],
        "priority": t.PRIORITY_LABEL.get(priority, "Routine"),
        "rank": _rank(priority),
        "patient": t.human_name(patient),
        "study": study.get("description") or t.concept_text(report.get("code")),
        "findings": [t.concept_text(o.get("code")) for o in results],
        "status": report.get("status", ""),
        "resultAt": (result_at or datetime.now(UTC)).isoformat(),
        "imageToResult": _gap(images_at, result_at),
    }


def _rank(code: str) -> int:
    return t.PRIORITY_RANK.get(code, len(t.PRIORITY_RANK))


def _gap(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "unknown"
    return t.duration_text((end - start).total_seconds())


def _order(row: dict[str, Any]) -> tuple[bool, int, str]:
    # Open work first; then STAT before urgent before routine; then the longest waiting.
    return (row["status"] in DONE_STATUSES, row["rank"], row["resultAt"])


async def worklist_rows(reader: FhirReader) -> list[dict[str, Any]]:
    reports = await reader.search("DiagnosticReport", {"category": "RAD"})
    rows = [await _row(reader, r) for r in reports]
    return sorted(rows, key=_order)


async def worklist_events(
    reader: FhirReader, poll_s: float, stopped: asyncio.Event
) -> AsyncIterator[str]:
    """Server-sent events: `worklist` with every row whenever the list changes."""
    last = ""
    yield "retry: 3000\n\n"
    while not stopped.is_set():
        rows = json.dumps(await worklist_rows(reader))
        if rows != last:
            last = rows
            yield f"event: worklist\ndata: {rows}\n\n"
        else:
            yield ": keep-alive\n\n"
        try:
            await asyncio.wait_for(stopped.wait(), timeout=poll_s)
        except TimeoutError:
            continue
