"""AuditEvents for access to patient data, in the IHE Basic Audit Log Patterns shape."""

from datetime import UTC, datetime
from typing import Any

from radcds_gateway.fhir.access import AccessToken
from radcds_gateway.fhir.indexing import IndexRows, parse_reference
from radcds_gateway.fhir.values import date_range

DCM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
# R4 AuditEvent.action: C, R, U, D, E (execute: search).
ACTIONS = {
    "create": "C",
    "read": "R",
    "vread": "R",
    "history": "R",
    "update": "U",
    "delete": "D",
    "search-type": "E",
}


def audit_event(
    interaction: str,
    token: AccessToken,
    patients: set[str],
    what: str | None,
    outcome: str = "0",
    query: str | None = None,
    recorded: datetime | None = None,
) -> dict[str, Any]:
    """One BALP AuditEvent: who, what, which patient, when, outcome (0 success, 4, 8)."""
    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{p}"},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "1",
            },
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
        }
        for p in sorted(patients)
    ]
    if what or query:
        entity: dict[str, Any] = {
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "2",
            },
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "4"},
        }
        if what:
            entity["what"] = {"reference": what}
        if query:
            entity["query"] = query
        entities.append(entity)
    return {
        "resourceType": "AuditEvent",
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
        },
        "subtype": [{"system": RESTFUL, "code": interaction}],
        "action": ACTIONS[interaction],
        "recorded": _instant(recorded or datetime.now(UTC)),
        "outcome": outcome,
        "agent": _agents(token),
        "source": {
            "observer": {"display": "radcds-gateway"},
            "type": [{"system": DCM, "code": "110153"}],
        },
        "entity": entities,
    }


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _agents(token: AccessToken) -> list[dict[str, Any]]:
    client = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": {"identifier": {"value": token.client_id}},
        "requestor": token.is_service,
    }
    agents = [client]
    if not token.is_service:
        user = {
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "code": "IRCP",
                    }
                ]
            },
            "who": {"identifier": {"value": token.subject}},
            "requestor": True,
        }
        agents.append(user)
    return agents


def _coding_rows(param: str, codings: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("token", {"param": param, "system": c.get("system"), "code": c["code"]}) for c in codings
    ]


def audit_index(event: dict[str, Any]) -> IndexRows:
    """The search index rows of an AuditEvent built by audit_event(): the rows the R4
    AuditEvent search parameters' FHIRPath gives for that shape, without evaluating it
    on every read (a test holds the two equal)."""
    rows: list[tuple[str, dict[str, Any]]] = [
        ("token", {"param": "action", "system": None, "code": event["action"]}),
        ("token", {"param": "outcome", "system": None, "code": event["outcome"]}),
        *_coding_rows("subtype", event["subtype"]),
        *_coding_rows("type", [event["type"]]),
    ]
    low, high = date_range(event["recorded"])
    rows.append(("date", {"param": "date", "low": low, "high": high}))
    for entity in event["entity"]:
        rows += _coding_rows("entity-role", [entity["role"]])
        rows += _coding_rows("entity-type", [entity["type"]])
        if "what" in entity:
            target_type, target_id = parse_reference(entity["what"]["reference"])
            ref = {
                "target_type": target_type,
                "target_id": target_id,
                "url": entity["what"]["reference"],
            }
            rows.append(("reference", {"param": "entity", **ref}))
            if target_type == "Patient":
                rows.append(("reference", {"param": "patient", **ref}))
    index = IndexRows()
    for table, row in rows:
        index.add(table, row)
    return index
