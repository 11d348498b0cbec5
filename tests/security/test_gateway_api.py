"""Schemathesis against the gateway's OpenAPI, with a valid Keycloak token, a forged one and
none: no request gets a 5xx, a refused FHIR request gets an OperationOutcome, and without a
valid token no FHIR interaction but the CapabilityStatement succeeds.

The gateway serves no openapi.json (openapi_url=None), so the schema is FastAPI's own, built
from the same application in process. It declares neither request bodies nor search
parameters (the routes read the raw request), so the test adds what FHIR and CDS Hooks
define: resource bodies, Bundles, search parameters, hook requests. It declares 200 and 422
only, while FHIR answers 201, 400, 401, 404, 412...: status and schema conformance would
fail on the schema, not on the gateway, and are not checked.

RADCDS_SECURITY_EXAMPLES sets the examples per token kind (default 150)."""

import base64
import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jwcrypto import jwk, jwt  # type: ignore[import-untyped]
from radcds_kit.testing.keycloak import KeycloakServer, claims_of
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from .conftest import RunningService

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("RADCDS_SECURITY_EXAMPLES", "150"))
# A service client of the realm allowed every FHIR interaction (system/*.cruds).
WRITER = "radcds-gateway"
SEARCH_PARAMETERS = ("_id", "_count", "_sort", "_include", "_revinclude", "_summary",
                     "_elements", "patient", "subject", "identifier", "date", "code",
                     "status", "_lastUpdated", "_format")  # fmt: skip
TYPES_UNDER_TEST = ("Patient", "Observation", "ImagingStudy", "DiagnosticReport")
Check = Callable[[Any, Any, Any], bool | None]


def gateway_openapi(tmp_path: Path) -> dict[str, Any]:
    """FastAPI's schema of the gateway's HTTP application, as the process builds it."""
    from radcds_gateway.fhir.app import open_fhir
    from radcds_gateway.server import gateway_app
    from radcds_gateway.settings import GatewaySettings
    from radcds_kit.runtime import ServiceRuntime

    settings = GatewaySettings(data_dir=tmp_path)
    fhir = open_fhir(settings.database_url)
    try:
        return dict(gateway_app(settings, fhir, ServiceRuntime("gateway", settings)).openapi())
    finally:
        fhir.close()


def completed(schema: dict[str, Any], resource_types: list[str]) -> dict[str, Any]:
    """The schema with what FHIR R4 and CDS Hooks 2.0 define and FastAPI cannot see. Valid
    cases name a few of the supported types, so that many reach the repository; invalid
    cases (negative mode) name any other string."""
    type_name = {"enum": [t for t in TYPES_UNDER_TEST if t in resource_types]}
    resource = {
        "type": "object",
        "properties": {"resourceType": type_name, "id": {"type": "string"}},
        "required": ["resourceType"],
    }
    bundle = {
        "type": "object",
        "properties": {
            "resourceType": {"enum": ["Bundle", "Patient"]},
            "type": {"enum": ["transaction", "batch", "searchset", "document"]},
            "entry": {"type": "array", "items": {"type": "object", "properties": {
                "fullUrl": {"type": "string"},
                "resource": resource,
                "request": {"type": "object", "properties": {
                    "method": {"enum": ["GET", "POST", "PUT", "DELETE", "PATCH"]},
                    "url": {"type": "string"},
                }},
            }}},
        },
    }  # fmt: skip
    hook = {
        "type": "object",
        "properties": {
            "hook": {"enum": ["patient-view", "order-select", "order-sign", "x"]},
            "hookInstance": {"type": "string"},
            "fhirServer": {"type": "string"},
            "context": {"type": "object"},
            "prefetch": {"type": "object"},
            "fhirAuthorization": {"type": "object"},
        },
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "resource_type":
                    parameter["schema"] = type_name
            body = _body_of(path, method, resource, bundle, hook)
            if body is not None:
                content = {"application/fhir+json": {"schema": body}}
                operation["requestBody"] = {"required": True, "content": content}
            if path == "/fhir/{resource_type}" and method == "get":
                operation["parameters"] += [
                    {"name": name, "in": "query", "schema": {"type": "string"}}
                    for name in SEARCH_PARAMETERS
                ]
    return schema


def _body_of(path: str, method: str, *schemas: dict[str, Any]) -> dict[str, Any] | None:
    resource, bundle, hook = schemas
    if path == "/fhir" and method == "post":
        return bundle
    if path.startswith("/fhir/{resource_type}") and method in ("post", "put"):
        return resource
    if path.startswith("/cds-services/") and method == "post":
        return hook
    return None


def forged_token(valid: str) -> str:
    """The valid token's claims, signed with a key that is not the realm's, under the
    realm key's kid: what an attacker who read a token could make."""
    header = json.loads(base64.urlsafe_b64decode(valid.split(".")[0] + "=="))
    key = jwk.JWK.generate(kty="RSA", size=2048)
    claims = {**claims_of(valid), "exp": int(time.time()) + 3600, "jti": str(uuid.uuid4())}
    token = jwt.JWT(header={"alg": "RS256", "kid": header["kid"], "typ": "JWT"}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())


def refused_fhir_has_an_outcome(ctx: Any, response: Any, case: Any) -> bool | None:
    """design.md: bad input gets an HTTP 4xx with an OperationOutcome."""
    if case.path.startswith("/fhir") and 400 <= response.status_code < 500:
        body = response.json()
        assert body.get("resourceType") == "OperationOutcome", (response.status_code, body)
    return None


def no_fhir_without_a_valid_token(ctx: Any, response: Any, case: Any) -> bool | None:
    if case.path.startswith("/fhir") and case.path != "/fhir/metadata":
        assert response.status_code >= 400, (response.status_code, response.text[:300])
    return None


@pytest.fixture(scope="module")
def openapi(gateway: RunningService, tmp_path_factory: pytest.TempPathFactory) -> Any:
    capability = httpx.get(f"{gateway.http_url}/fhir/metadata").json()
    types = sorted(r["type"] for r in capability["rest"][0]["resource"])
    schema = completed(gateway_openapi(tmp_path_factory.mktemp("openapi")), types)
    return schemathesis.openapi.from_dict(schema)


@pytest.fixture(scope="module")
def valid_token(keycloak: KeycloakServer) -> str:
    return keycloak.service_token(WRITER)


def fuzz(openapi: Any, base_url: str, authorization: str | None, checks: Sequence[Check]) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    strategy = openapi.as_strategy(generation_mode=GenerationMode.POSITIVE) | openapi.as_strategy(
        generation_mode=GenerationMode.NEGATIVE
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=strategy)
    def attack(case: Any) -> None:
        # A generated Authorization header would replace the one under test.
        case.headers = {k: v for k, v in (case.headers or {}).items()
                        if k.lower() != "authorization"}  # fmt: skip
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=list(checks))

    attack()


@pytest.mark.timeout(900)
def test_a_valid_token_finds_no_server_error(
    openapi: Any, gateway: RunningService, valid_token: str
) -> None:
    checks = [not_a_server_error, refused_fhir_has_an_outcome]
    fuzz(openapi, gateway.http_url, f"Bearer {valid_token}", checks)
    # The token really was accepted: what it wrote can be read back.
    headers = {"Authorization": f"Bearer {valid_token}"}
    created = httpx.post(f"{gateway.http_url}/fhir/Patient", headers=headers,
                         json={"resourceType": "Patient", "active": True})  # fmt: skip
    assert created.status_code == 201, created.text


@pytest.mark.timeout(900)
@pytest.mark.parametrize("credential", ["forged", "garbage", "none"])
def test_without_a_valid_token_nothing_is_served_and_nothing_fails(
    openapi: Any, gateway: RunningService, valid_token: str, credential: str
) -> None:
    authorization = {
        "forged": f"Bearer {forged_token(valid_token)}",
        "garbage": "Bearer " + "A" * 40 + ".%%%.",
        "none": None,
    }[credential]
    checks = [not_a_server_error, refused_fhir_has_an_outcome, no_fhir_without_a_valid_token]
    fuzz(openapi, gateway.http_url, authorization, checks)
    headers = {"Authorization": authorization} if authorization else {}
    read = httpx.get(f"{gateway.http_url}/fhir/Patient", headers=headers)
    assert read.status_code == 401, read.text
