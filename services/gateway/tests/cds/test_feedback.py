"""CDS Hooks 2.0, "Feedback": accepted and overridden outcomes are stored per service and
model version, counted in Prometheus, and summarised for the web page."""

import uuid
from typing import Any

import httpx
from cds_data import FHIR_TOKEN, PATIENT
from cds_ehr import EhrFhir, Gateway, StartGateway
from prometheus_client import generate_latest

FINDINGS = "/cds-services/radcds-imaging-findings"
FEEDBACK = f"{FINDINGS}/feedback"
CONTEXT = {"userId": "Practitioner/dr-1", "patientId": PATIENT}


def cards_for(gateway: Gateway, fhir: str) -> list[dict[str, Any]]:
    access = {
        "access_token": FHIR_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/*.read",
        "subject": "radcds",
    }
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": CONTEXT,
        "fhirServer": fhir,
        "fhirAuthorization": access,
    }
    response = gateway.call(FINDINGS, body)
    assert response.status_code == 200
    return list(response.json()["cards"])


def test_feedback_is_stored_counted_and_summarised(
    start_gateway: StartGateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    gateway = start_gateway()
    cards = {c["source"]["topic"]["code"]: c for c in cards_for(gateway, ehr_fhir[1])}
    nodule, ich = cards["lung-nodule"], cards["intracranial-hemorrhage"]
    reason = ich["overrideReasons"][0]
    feedback = {
        "feedback": [
            {
                "card": nodule["uuid"],
                "outcome": "accepted",
                "outcomeTimestamp": "2026-11-28T10:05:31Z",
                "acceptedSuggestions": [{"id": nodule["suggestions"][0]["uuid"]}],
            },
            {
                "card": ich["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-28T10:06:00Z",
                "overrideReason": {"reason": reason, "userComment": "Reviewed the images."},
            },
        ]
    }
    response = gateway.call(FEEDBACK, feedback)
    assert response.json() == {"received": 2, "stored": 2}
    assert gateway.call(FEEDBACK, feedback).json() == {"received": 2, "stored": 0}

    summary = httpx.get(
        f"{gateway.url}/cds-feedback/summary", headers={"Authorization": "Bearer physician"}
    ).json()
    groups = {g["modelVersion"]: g for g in summary["groups"] if g["service"] == FINDINGS[14:]}
    assert groups["1.2.0"]["overridden"] >= 1
    assert groups["1.2.0"]["overrideReasons"][0]["code"] == reason["code"]
    assert groups["0.9.1"]["acceptedRate"] is not None

    metrics = generate_latest(gateway.registry).decode()
    assert 'radcds_cds_feedback_total{model="ICH detector",model_version="1.2.0"' in metrics
    assert f'reason="{reason["code"]}"' in metrics


def test_the_summary_needs_a_user(start_gateway: StartGateway) -> None:
    gateway = start_gateway()
    assert httpx.get(f"{gateway.url}/cds-feedback/summary").status_code == 401


INVALID = [
    {"feedback": []},
    {"feedback": [{"card": "x", "outcome": "liked", "outcomeTimestamp": "2026-11-28T10:00:00Z"}]},
    {
        "feedback": [
            {"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-11-28T10:00:00Z"}
        ]
    },
    {"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]},
    {
        "feedback": [
            {"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-11-28T10:00:00"}
        ]
    },
    {
        "feedback": [
            {
                "card": "x",
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-28T10:00:00Z",
                "overrideReason": {"reason": {"display": "no code"}},
            }
        ]
    },
]


def test_invalid_feedback_is_400(start_gateway: StartGateway) -> None:
    gateway = start_gateway()
    for body in INVALID:
        response = gateway.call(FEEDBACK, body)
        assert response.status_code == 400, body
