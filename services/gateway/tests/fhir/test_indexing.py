"""Index extraction: FHIR values to rows, and the AuditEvent fast path held to FHIRPath."""

from typing import Any

import pytest
from radcds_gateway.fhir.access import InternalToken
from radcds_gateway.fhir.audit import audit_event, audit_index
from radcds_gateway.fhir.audit_trail import AuditRecord, AuditTrail
from radcds_gateway.fhir.definitions import load_definitions
from radcds_gateway.fhir.indexing import IndexRows, extract_index
from radcds_gateway.fhir.values import date_range, number_range


def as_set(rows: IndexRows) -> set[tuple[str, tuple[tuple[str, Any], ...]]]:
    return {
        (table, tuple(sorted(row.items()))) for table, items in rows.tables.items() for row in items
    }


@pytest.mark.parametrize(
    ("interaction", "token", "patients", "what", "query"),
    [
        (
            "read",
            InternalToken("user-1", "ehr", is_service=False),
            {"p1"},
            "Patient/p1/_history/3",
            None,
        ),
        (
            "search-type",
            InternalToken("svc", "report"),
            {"p1", "p2"},
            None,
            "c3ViamVjdD1QYXRpZW50L3Ax",
        ),
        ("delete", InternalToken("svc", "report"), set(), "Observation/o1/_history/2", None),
    ],
)
def test_audit_fast_index_equals_fhirpath_index(
    interaction: str, token: InternalToken, patients: set[str], what: str | None, query: str | None
) -> None:
    event = {**audit_event(interaction, token, patients, what, query=query), "id": "a1"}
    params = load_definitions().params("AuditEvent")
    assert as_set(audit_index(event)) == as_set(extract_index(event, params))


def test_date_ranges_follow_the_precision_given() -> None:
    assert date_range("2024") == ("2024-01-01T00:00:00.000000", "2024-12-31T23:59:59.999999")
    assert date_range("2024-02") == ("2024-02-01T00:00:00.000000", "2024-02-29T23:59:59.999999")
    assert date_range("2024-03-10T10:00:00+02:00") == (
        "2024-03-10T08:00:00.000000",
        "2024-03-10T08:00:00.999999",
    )
    assert date_range("2024-03-10T10:00:00.25Z") == (
        "2024-03-10T10:00:00.250000",
        "2024-03-10T10:00:00.259999",
    )


def test_number_ranges_follow_significant_figures() -> None:
    assert number_range("100") == (99.5, 100.5)
    assert number_range("12.5") == (12.45, 12.55)


def test_audit_trail_keeps_a_batch_the_database_refused_and_writes_it_later() -> None:
    written: list[dict[str, Any]] = []
    attempts: list[int] = []

    def write_batch(events: list[dict[str, Any]]) -> None:
        attempts.append(len(events))
        if len(attempts) == 1:
            raise OSError("database unavailable")
        written.extend(events)

    trail = AuditTrail(lambda keys: {k: {"p1"} for k in keys}, write_batch, interval_s=0.01)
    trail.start()
    token = InternalToken("user-1", "ehr", is_service=False)
    for n in range(3):
        trail.record(
            AuditRecord("read", token, f"Observation/o{n}/_history/1", (("Observation", f"o{n}"),))
        )
    trail.flush()
    trail.stop()
    assert len(attempts) >= 2
    assert len(written) == 3
    assert {e["entity"][0]["what"]["reference"] for e in written} == {"Patient/p1"}
