"""Requests that break CDS Hooks 2.0 get 400 with a clear message, never a 5xx; CORS lets
the browser-based CDS clients that are configured call."""

import uuid
from typing import Any

import httpx
import pytest
from cds_data import PATIENT
from cds_ehr import Gateway, StartGateway

FINDINGS = "/cds-services/radcds-imaging-findings"
ORDERS = "/cds-services/radcds-imaging-order-check"
CONTEXT = {"userId": "Practitioner/dr-1", "patientId": PATIENT}


def valid(**changes: Any) -> dict[str, Any]:
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": dict(CONTEXT)}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


AUTH = {
    "access_token": "t",
    "token_type": "Bearer",
    "expires_in": 300,
    "scope": "user/*.read",
    "subject": "radcds",
}
INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "no hook": (valid(hook=None), "hook is required"),
    "another hook": (valid(hook="order-sign"), "answers patient-view"),
    "no hookInstance": (valid(hookInstance=None), "hookInstance"),
    "hookInstance not a UUID": (valid(hookInstance="1234"), "hookInstance must be a UUID"),
    "no context": (valid(context=None), "context is required"),
    "no patientId": (valid(context={"userId": "Practitioner/1"}), "context.patientId"),
    "patientId with a path": (valid(context={**CONTEXT, "patientId": "../x"}), "FHIR id"),
    "userId not a reference": (valid(context={**CONTEXT, "userId": "dr"}), "context.userId"),
    "fhirAuthorization without fhirServer": (
        valid(fhirAuthorization=AUTH),
        "fhirServer is required",
    ),
    "token_type not Bearer": (
        valid(fhirServer="https://ehr.test/fhir", fhirAuthorization={**AUTH, "token_type": "MAC"}),
        "token_type",
    ),
    "fhirServer not a URL": (valid(fhirServer="ehr"), "fhirServer must be an absolute"),
    "prefetch not an object": (valid(prefetch=[1]), "prefetch must be an object"),
    "prefetch value not a resource": (valid(prefetch={"patient": "p"}), "prefetch.patient"),
}


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway()


@pytest.mark.parametrize(("body", "message"), INVALID.values(), ids=INVALID.keys())
def test_invalid_requests_are_400_with_the_reason(
    gateway: Gateway, body: Any, message: str
) -> None:
    response = gateway.call(FINDINGS, body)
    assert response.status_code == 400
    assert message in response.json()["issue"][0]["diagnostics"]


def test_order_select_needs_selections_and_draft_orders(gateway: Gateway) -> None:
    body = valid(hook="order-select")
    response = gateway.call(ORDERS, body)
    assert response.status_code == 400
    assert "context.selections" in response.json()["issue"][0]["diagnostics"]


def test_order_select_selections_must_be_in_the_draft_orders(gateway: Gateway) -> None:
    order = {
        "resourceType": "ServiceRequest",
        "id": "ct-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT}"},
    }
    drafts = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}
    context = {**CONTEXT, "draftOrders": drafts, "selections": ["ServiceRequest/other"]}
    response = gateway.call(ORDERS, valid(hook="order-select", context=context))
    assert response.status_code == 400
    assert "draftOrders" in response.json()["issue"][0]["diagnostics"]


def test_a_body_that_is_not_json_is_400(gateway: Gateway) -> None:
    url = f"{gateway.url}{FINDINGS}"
    headers = {**gateway.signer.bearer(url), "Content-Type": "application/json"}
    response = httpx.post(url, content=b"{not json", headers=headers)
    assert response.status_code == 400


def test_an_unknown_service_is_404(gateway: Gateway) -> None:
    assert gateway.call("/cds-services/no-such-service", valid()).status_code == 404


def test_cors_preflight_allows_a_configured_origin_only(gateway: Gateway) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = httpx.options(
        f"{gateway.url}{FINDINGS}", headers={**preflight, "Origin": "https://ehr.example.test"}
    )
    refused = httpx.options(
        f"{gateway.url}{FINDINGS}", headers={**preflight, "Origin": "https://evil.example.test"}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://ehr.example.test"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
