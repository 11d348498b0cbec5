"""SMART scope parsing and enforcement (SMART App Launch 2.x, "Scopes for requesting
clinical data"), without a server."""

import pytest
from radcds_gateway.auth import AccessToken, InvalidToken, ScopeDenied, SmartScopes
from radcds_kit.oidc.bearer import require_patient_access, require_scope
from radcds_kit.oidc.scopes import parse_resource_scope

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("scope", "interaction", "allowed"),
    [
        ("patient/Observation.rs", "read", True),
        ("patient/Observation.rs", "vread", True),
        ("patient/Observation.rs", "history", True),
        ("patient/Observation.rs", "search", True),
        ("patient/Observation.rs", "create", False),
        ("patient/Observation.rs", "update", False),
        ("patient/Observation.rs", "delete", False),
        ("user/Observation.c", "create", True),
        ("user/Observation.u", "update", True),
        ("user/Observation.u", "patch", True),
        ("user/Observation.d", "delete", True),
        ("user/Observation.s", "history-type", True),
        ("user/Observation.s", "read", False),
        ("system/*.cruds", "delete", True),
        ("patient/Observation.read", "search", True),
        ("patient/Observation.read", "create", False),
        ("user/Observation.write", "create", True),
        ("user/Observation.write", "update", True),
        ("user/Observation.write", "delete", True),
        ("user/Observation.write", "read", False),
        ("user/Observation.*", "delete", True),
        ("user/Observation.*", "search", True),
    ],
)
def test_permissions_map_to_interactions(scope: str, interaction: str, allowed: bool) -> None:
    assert SmartScopes.parse(scope).allows("Observation", interaction) is allowed


def test_a_scope_names_one_resource_type_or_all() -> None:
    scopes = SmartScopes.parse("patient/Observation.rs user/*.r")
    assert not scopes.allows("Condition", "search")
    assert scopes.allows("Condition", "read")
    assert not scopes.allows("Observation", "unknown-interaction")


@pytest.mark.parametrize(
    "scope",
    [
        "patient/Observation.sr",
        "patient/Observation.rr",
        "patient/Observation.",
        "patient/Observation.x",
        "practitioner/Observation.rs",
        "patient/observation.rs",
        "patient/Observation",
        "Observation.rs",
    ],
)
def test_malformed_scopes_grant_nothing(scope: str) -> None:
    assert parse_resource_scope(scope) is None
    assert not SmartScopes.parse(scope).allows("Observation", "read")


def test_granular_scopes_are_not_widened() -> None:
    scope = "patient/Observation.rs?category=http://hl7.org/fhir/observation-category|laboratory"
    parsed = parse_resource_scope(scope)
    assert parsed is not None
    assert parsed.query is not None
    assert not SmartScopes.parse(scope).allows("Observation", "read")


def test_other_scopes_are_kept_by_name() -> None:
    scopes = SmartScopes.parse("openid fhirUser launch/patient offline_access patient/*.rs")
    assert "launch/patient" in scopes
    assert "patient/*.rs" not in scopes
    assert len(scopes.resource_scopes) == 1


def token(scope: str, patient: str | None = None) -> AccessToken:
    claims = {"sub": "u-1", "azp": "radcds-web", "scope": scope, "patient": patient}
    return AccessToken.from_claims({k: v for k, v in claims.items() if v is not None})


def test_patient_scopes_confine_to_the_patient_in_context() -> None:
    confined = token("patient/Observation.rs", patient="p-1")
    assert require_scope(confined, "Observation", "search") == "p-1"
    require_patient_access(confined, "Observation", "read", {"p-1"})
    with pytest.raises(ScopeDenied):
        require_patient_access(confined, "Observation", "read", {"p-2"})
    with pytest.raises(ScopeDenied):
        require_patient_access(confined, "Device", "read", set())


def test_user_scopes_are_not_confined() -> None:
    both = token("patient/Observation.rs user/Observation.r", patient="p-1")
    assert require_scope(both, "Observation", "read") is None
    assert require_scope(both, "Observation", "search") == "p-1"
    require_patient_access(both, "Observation", "read", {"p-2"})


def test_patient_scopes_without_a_patient_are_dropped() -> None:
    with pytest.raises(ScopeDenied) as refused:
        require_scope(token("patient/*.cruds"), "Observation", "read")
    assert refused.value.status_code == 403


def test_a_token_must_name_its_subject_and_client() -> None:
    with pytest.raises(InvalidToken):
        AccessToken.from_claims({"azp": "radcds-web"})
    with pytest.raises(InvalidToken):
        AccessToken.from_claims({"sub": "u-1", "azp": "radcds-web", "patient": ["p-1", "p-2"]})
