"""Users who log in through the physician web app (authorization code with PKCE S256), with
SMART scopes and, through launch/patient, a patient in context."""

import pytest

from .support import KeycloakServer, claims_of, get, post

# The first test pays for starting Keycloak, which takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

PHYSICIAN = ("dr.physician", "dev-only-physician")
RADIOLOGIST = ("dr.radiologist", "dev-only-radiologist")
PATIENT_OBSERVATIONS = "openid launch/patient patient/Observation.rs"


def test_a_patient_token_reads_its_own_patient(gateway: str, keycloak: KeycloakServer) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope=PATIENT_OBSERVATIONS)
    assert claims_of(token)["patient"] == "demo-patient-1"
    assert get(gateway, "/fhir/Observation/obs-1", token).json()["id"] == "obs-1"
    found = get(gateway, "/fhir/Observation?patient=demo-patient-1", token).json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["obs-1"]


def test_a_patient_token_cannot_reach_another_patient(
    gateway: str, keycloak: KeycloakServer
) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope=PATIENT_OBSERVATIONS)
    assert get(gateway, "/fhir/Observation/obs-2", token).status_code == 403
    assert get(gateway, "/fhir/Observation?patient=demo-patient-2", token).status_code == 403


def test_a_patient_token_is_held_to_its_resource_types(
    gateway: str, keycloak: KeycloakServer
) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope=PATIENT_OBSERVATIONS)
    assert get(gateway, "/fhir/Patient/demo-patient-1", token).status_code == 403
    assert post(gateway, "/fhir/Observation", token).status_code == 403


def test_patient_scopes_without_a_patient_in_context_grant_nothing(
    gateway: str, keycloak: KeycloakServer
) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope="openid patient/*.rs")
    assert "patient" not in claims_of(token)
    assert get(gateway, "/fhir/Observation/obs-1", token).status_code == 403


def test_user_scopes_reach_every_patient(gateway: str, keycloak: KeycloakServer) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope="openid fhirUser launch/patient user/*.rs")
    assert get(gateway, "/fhir/Observation/obs-2", token).status_code == 200
    assert get(gateway, "/fhir/Observation?patient=demo-patient-2", token).status_code == 200
    caller = get(gateway, "/whoami", token).json()
    assert caller["client_id"] == "radcds-web"
    assert caller["fhir_user"] == "Practitioner/demo-physician"
    assert caller["is_service"] is False


def test_write_scopes_go_only_to_radiologists(gateway: str, keycloak: KeycloakServer) -> None:
    physician = keycloak.user_token(*PHYSICIAN, scope="openid user/*.cruds")
    radiologist = keycloak.user_token(*RADIOLOGIST, scope="openid user/*.cruds")
    assert "user/*.cruds" not in claims_of(physician)["scope"].split()
    assert post(gateway, "/fhir/DiagnosticReport", physician).status_code == 403
    assert post(gateway, "/fhir/DiagnosticReport", radiologist).status_code == 201


def test_smart_v1_patient_scopes_are_honoured(gateway: str, keycloak: KeycloakServer) -> None:
    token = keycloak.user_token(*PHYSICIAN, scope="openid launch/patient patient/*.read")
    assert get(gateway, "/fhir/Patient/demo-patient-1", token).status_code == 200
    assert get(gateway, "/fhir/Patient/demo-patient-2", token).status_code == 403
