"""An EHR that follows CDS Hooks 2.0 calls discovery and each hook with full, partial, null
and missing prefetch; every response is checked against the spec's rules (cds_spec)."""

import asyncio
import uuid
from typing import Any

import pytest
from cds_data import FHIR_TOKEN, PATIENT
from cds_ehr import EhrFhir, Gateway, StartGateway
from cds_spec import check_discovery, check_response, ehr_prefetch
from radcds_gateway.cds.ledger import CardLedger
from redis.asyncio import Redis

FINDINGS = "/cds-services/radcds-imaging-findings"
ORDERS = "/cds-services/radcds-imaging-order-check"
CONTEXT = {"userId": "Practitioner/dr-1", "patientId": PATIENT, "encounterId": "enc-1"}


def templates(gateway: Gateway, service: str, hook: str) -> dict[str, str]:
    document = gateway.call("/cds-services").json()
    entry = next(s for s in document["services"] if s["id"] == service and s["hook"] == hook)
    return dict(entry["prefetch"])


def hook_call(hook: str, context: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, **fields}


def fhir_access(fhir: str, token: str = FHIR_TOKEN) -> dict[str, Any]:
    authorization = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/*.read",
        "subject": "radcds",
    }
    return {"fhirServer": fhir, "fhirAuthorization": authorization}


def by_topic(cards: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(c for c in cards if c["source"]["topic"]["code"] == code)


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway()


def test_discovery_lists_every_hook_with_prefetch_templates(gateway: Gateway) -> None:
    response = gateway.call("/cds-services")
    assert response.status_code == 200
    check_discovery(response.json())
    entries = {(s["id"], s["hook"]) for s in response.json()["services"]}
    assert entries == {
        ("radcds-imaging-findings", "patient-view"),
        ("radcds-imaging-order-check", "order-select"),
        ("radcds-imaging-order-check", "order-sign"),
    }


def test_full_prefetch_ich_patient_gets_a_critical_card(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    ehr, fhir = ehr_fhir
    prefetch = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    queries_before = len(ehr.queries)
    cards = check_response(
        gateway.call(FINDINGS, hook_call("patient-view", CONTEXT, prefetch=prefetch))
    )
    assert len(ehr.queries) == queries_before  # full prefetch: nothing fetched
    ich = by_topic(cards, "intracranial-hemorrhage")
    assert ich["indicator"] == "critical"
    for named in ("32 mL", "ICH score 3/6", "apixaban"):
        assert named in ich["summary"]
    assert "Preliminary AI" in ich["summary"]
    assert "ICH detector 1.2.0" in ich["source"]["label"]
    smart = next(link for link in ich["links"] if link["type"] == "smart")
    assert PATIENT not in smart["appContext"]
    assert PATIENT not in " ".join(link["url"] for link in ich["links"])
    assert any(link["type"] == "absolute" for link in ich["links"])


def test_nodule_card_suggests_the_fleischner_follow_up(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    _, fhir = ehr_fhir
    cards = check_response(
        gateway.call(FINDINGS, hook_call("patient-view", CONTEXT, **fhir_access(fhir)))
    )
    nodule = by_topic(cards, "lung-nodule")
    assert nodule["indicator"] in ("warning", "info")
    assert "9 mm" in nodule["summary"]
    assert nodule["selectionBehavior"] == "at-most-one"
    action = nodule["suggestions"][0]["actions"][0]
    assert action["type"] == "create"
    assert action["resource"]["resourceType"] == "ServiceRequest"
    assert action["resource"]["subject"] == {"reference": f"Patient/{PATIENT}"}


def test_partial_prefetch_the_service_fetches_the_rest_with_the_bearer_token(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    ehr, fhir = ehr_fhir
    full = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    partial = {"patient": full["patient"]}
    ehr.queries.clear()
    body = hook_call("patient-view", CONTEXT, prefetch=partial, **fhir_access(fhir))
    cards = check_response(gateway.call(FINDINGS, body))
    assert sorted(ehr.queries) == ["Condition", "MedicationRequest", "Observation"]
    ich = by_topic(cards, "intracranial-hemorrhage")
    assert "apixaban" in ich["summary"]


def test_null_prefetch_means_no_data_and_is_not_fetched(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    ehr, fhir = ehr_fhir
    prefetch = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    prefetch["medications"] = None
    ehr.queries.clear()
    body = hook_call("patient-view", CONTEXT, prefetch=prefetch, **fhir_access(fhir))
    ich = by_topic(check_response(gateway.call(FINDINGS, body)), "intracranial-hemorrhage")
    assert "MedicationRequest" not in ehr.queries
    assert "apixaban" not in ich["summary"]
    assert "ICH score 3/6" in ich["summary"]


def test_operation_outcome_in_a_prefetch_key_is_fetched_again(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    ehr, fhir = ehr_fhir
    prefetch = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    prefetch["medications"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    ehr.queries.clear()
    body = hook_call("patient-view", CONTEXT, prefetch=prefetch, **fhir_access(fhir))
    ich = by_topic(check_response(gateway.call(FINDINGS, body)), "intracranial-hemorrhage")
    assert ehr.queries == ["MedicationRequest"]
    assert "apixaban" in ich["summary"]


def test_missing_prefetch_without_a_fhir_server_is_412(gateway: Gateway) -> None:
    response = gateway.call(FINDINGS, hook_call("patient-view", CONTEXT, prefetch={}))
    assert response.status_code == 412
    assert "patient" in response.json()["issue"][0]["diagnostics"]


def test_a_token_the_fhir_server_refuses_is_412(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    _, fhir = ehr_fhir
    body = hook_call("patient-view", CONTEXT, **fhir_access(fhir, token="wrong-token"))
    assert gateway.call(FINDINGS, body).status_code == 412


def draft(rid: str, code: str, display: str) -> dict[str, Any]:
    coding = {"system": "http://loinc.org", "code": code, "display": display}
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "code": {"coding": [coding]},
    }


def orders_context(*orders: dict[str, Any], selections: list[str] | None = None) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in orders],
    }
    context: dict[str, Any] = {**CONTEXT, "draftOrders": bundle}
    if selections is not None:
        context["selections"] = selections
    return context


def test_order_select_flags_contrast_against_egfr_with_a_non_contrast_suggestion(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    _, fhir = ehr_fhir
    contrast = draft("ct-abd", "36813-4", "CT Abdomen and Pelvis W contrast IV")
    other = draft("ct-head", "30799-1", "CT Head WO contrast")
    context = orders_context(contrast, other, selections=["ServiceRequest/ct-abd"])
    cards = check_response(
        gateway.call(ORDERS, hook_call("order-select", context, **fhir_access(fhir)))
    )
    check = by_topic(cards, "contrast_renal")
    assert check["indicator"] in ("warning", "critical")
    assert check["suggestions"][0]["actions"][0]["type"] == "update"
    assert not any(c["source"]["topic"]["code"] == "duplicate_imaging" for c in cards)
    prior = by_topic(cards, "prior-ai-findings")
    assert "suspected ICH 32 mL" in prior["summary"]


def test_order_sign_flags_a_duplicate_head_ct_with_a_cancel_suggestion(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    _, fhir = ehr_fhir
    context = orders_context(draft("ct-head", "30799-1", "CT Head WO contrast"))
    cards = check_response(
        gateway.call(ORDERS, hook_call("order-sign", context, **fhir_access(fhir)))
    )
    duplicate = by_topic(cards, "duplicate_imaging")
    assert duplicate["indicator"] == "warning"
    action = duplicate["suggestions"][0]["actions"][0]
    assert action == {
        "type": "delete",
        "description": action["description"],
        "resourceId": "ServiceRequest/ct-head",
    }


def test_a_paginated_prefetch_is_completed_from_the_fhir_server(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    ehr, fhir = ehr_fhir
    prefetch = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    first_page = [e for e in prefetch["observations"]["entry"] if e["resource"]["id"] != "gcs"]
    prefetch["observations"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": first_page,
        "link": [{"relation": "next", "url": f"{fhir}/Observation?patient={PATIENT}&page=2"}],
    }
    ehr.queries.clear()
    body = hook_call("patient-view", CONTEXT, prefetch=prefetch, **fhir_access(fhir))
    ich = by_topic(check_response(gateway.call(FINDINGS, body)), "intracranial-hemorrhage")
    assert ehr.queries == ["Observation"]
    assert "ICH score 3/6" in ich["summary"]  # the GCS was on the second page


def test_a_null_patient_cannot_be_assessed_and_says_so(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str]
) -> None:
    _, fhir = ehr_fhir
    prefetch = ehr_prefetch(
        templates(gateway, "radcds-imaging-findings", "patient-view"), CONTEXT, fhir, FHIR_TOKEN
    )
    prefetch["patient"] = None
    response = gateway.call(FINDINGS, hook_call("patient-view", CONTEXT, prefetch=prefetch))
    assert response.status_code == 400
    assert "no Patient" in response.json()["issue"][0]["diagnostics"]


def test_the_smart_link_handle_resolves_for_the_web_page(
    gateway: Gateway, ehr_fhir: tuple[EhrFhir, str], redis_url: str
) -> None:
    _, fhir = ehr_fhir
    body = hook_call("patient-view", CONTEXT, **fhir_access(fhir))
    ich = by_topic(check_response(gateway.call(FINDINGS, body)), "intracranial-hemorrhage")
    handle = next(link["appContext"] for link in ich["links"] if link["type"] == "smart")

    async def resolve() -> dict[str, Any] | None:
        redis = Redis.from_url(redis_url)
        try:
            return await CardLedger(redis, 60).resolve_handle(handle)
        finally:
            await redis.aclose()

    context = asyncio.run(resolve())
    assert context is not None
    assert context["patient"] == PATIENT
    assert context["subjects"] == ["Observation/ai-ich", "ImagingStudy/head-ct"]
    assert context["card"] == ich["uuid"]
