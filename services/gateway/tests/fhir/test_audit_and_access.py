"""AuditEvents for patient data, and patient-compartment confinement of tokens."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import HTTPException, Request
from fhir.resources.R4B.auditevent import AuditEvent
from radcds_gateway.fhir.access import AccessToken, AllScopes, DevelopmentAuthPolicy, InternalToken
from radcds_gateway.fhir.app import FhirComponents

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def test_reads_searches_and_writes_of_patient_data_are_audited(
    client: httpx.Client, fhir: FhirComponents
) -> None:
    patient = client.post(
        "/Patient", json={"resourceType": "Patient", "gender": "male"}, headers=FHIR_JSON
    ).json()
    client.get(f"/Patient/{patient['id']}")
    client.get(f"/Patient?_id={patient['id']}")
    client.post("/Practitioner", json={"resourceType": "Practitioner"}, headers=FHIR_JSON)
    fhir.audit.flush()
    events = client.get(f"/AuditEvent?patient=Patient/{patient['id']}&_count=50").json()
    subtypes = sorted(e["resource"]["subtype"][0]["code"] for e in events["entry"])
    assert subtypes == ["create", "read", "search-type"]
    for entry in events["entry"]:
        event = AuditEvent.model_validate(entry["resource"])
        assert event.outcome == "0"
        assert event.agent[0].who.identifier.value == "development"
    assert client.get("/AuditEvent?_count=0").json()["total"] == 3


@dataclass(frozen=True)
class PatientScopedPolicy:
    patient: str

    async def authenticate(self, request: Request) -> AccessToken:
        return InternalToken("patient-app-user", "patient-app", False, self.patient, AllScopes())


@pytest.fixture
def confined(start_fhir_gateway: Any) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    admin = start_fhir_gateway(DevelopmentAuthPolicy(production=False))
    patient = start_fhir_gateway(PatientScopedPolicy("alice"))
    with admin.client() as admin_client, patient.client() as patient_client:
        yield admin_client, patient_client


def test_patient_token_stays_in_its_compartment(
    confined: tuple[httpx.Client, httpx.Client],
) -> None:
    admin, patient = confined
    for pid in ("alice", "bob"):
        admin.put(f"/Patient/{pid}", json={"resourceType": "Patient", "id": pid}, headers=FHIR_JSON)
        admin.put(
            f"/Condition/c-{pid}",
            json={
                "resourceType": "Condition",
                "id": f"c-{pid}",
                "subject": {"reference": f"Patient/{pid}"},
            },
            headers=FHIR_JSON,
        )
    assert patient.get("/Patient/alice").status_code == 200
    assert patient.get("/Patient/bob").status_code == 403
    assert patient.get("/Condition/c-bob").status_code == 403
    found = patient.get("/Condition").json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["c-alice"]
    other = {"resourceType": "Condition", "subject": {"reference": "Patient/bob"}}
    assert patient.post("/Condition", json=other, headers=FHIR_JSON).status_code == 403


def test_patient_token_reads_shared_resources_of_no_patient(
    confined: tuple[httpx.Client, httpx.Client],
) -> None:
    """The AI model (a Device of no patient) and a signer explain alice's data; bob's
    implant is his alone."""
    admin, patient = confined
    admin.put("/Patient/bob", json={"resourceType": "Patient", "id": "bob"}, headers=FHIR_JSON)
    shared = {
        "Device/model": {"resourceType": "Device", "id": "model"},
        "Practitioner/signer": {"resourceType": "Practitioner", "id": "signer"},
        "Device/implant": {
            "resourceType": "Device",
            "id": "implant",
            "patient": {"reference": "Patient/bob"},
        },
        "DocumentReference/leaflet": {
            "resourceType": "DocumentReference",
            "id": "leaflet",
            "status": "current",
            "content": [{"attachment": {"contentType": "text/plain", "title": "leaflet"}}],
        },
    }
    for path, resource in shared.items():
        assert admin.put(f"/{path}", json=resource, headers=FHIR_JSON).status_code in (200, 201)
    assert patient.get("/Device/model").status_code == 200
    assert patient.get("/Practitioner/signer").status_code == 200
    assert patient.get("/Device/implant").status_code == 403
    # Only the listed shared types: another document of no patient stays outside.
    assert patient.get("/DocumentReference/leaflet").status_code == 403


def test_development_policy_refuses_production() -> None:
    with pytest.raises(RuntimeError):
        DevelopmentAuthPolicy(production=True)


class RefusingPolicy:
    async def authenticate(self, request: Request) -> AccessToken:
        raise HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )


def test_an_auth_policy_refusal_is_an_operation_outcome(start_fhir_gateway: Any) -> None:
    gateway = start_fhir_gateway(RefusingPolicy())
    with gateway.client() as client:
        response = client.get("/Patient/alice")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["issue"][0]["code"] == "login"
    with gateway.client() as client:
        assert client.get("/metadata").status_code == 200
