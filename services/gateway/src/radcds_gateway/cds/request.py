"""The body of a CDS Hooks call, validated (CDS Hooks 2.0, "Calling a CDS Service").

Anything that does not match the spec raises InvalidHookRequest, answered 400 with the
message. Ids are checked against the FHIR id pattern before they go into any URL.
"""

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from radcds_gateway.cds.hooks import FHIR_ID, HOOK_CONTEXTS, ContextField, unknown_selections


class InvalidHookRequest(ValueError):
    """The request breaks the spec; the message says how (it never quotes PHI)."""


@dataclass(frozen=True)
class FhirAuthorization:
    """CDS Hooks 2.0, "Passing the Access Token to the CDS Service"."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


@dataclass(frozen=True)
class HookRequest:
    hook: str
    hook_instance: str
    context: dict[str, Any]
    fhir_server: str | None
    fhir_authorization: FhirAuthorization | None
    # Key -> resource, or None where the client had no data; absent keys are absent.
    prefetch: dict[str, dict[str, Any] | None]

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])

    @property
    def can_query_fhir(self) -> bool:
        return self.fhir_server is not None and self.fhir_authorization is not None


def _string(body: dict[str, Any], name: str, where: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidHookRequest(f"{where}{name} is required and must be a non-empty string")
    return value


def _hook_instance(body: dict[str, Any]) -> str:
    value = _string(body, "hookInstance", "")
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidHookRequest("hookInstance must be a UUID") from None
    return value


def _fhir_server(body: dict[str, Any], require_https: bool) -> str | None:
    if "fhirServer" not in body:
        return None
    value = _string(body, "fhirServer", "")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidHookRequest("fhirServer must be an absolute http(s) URL")
    if require_https and parts.scheme != "https":
        raise InvalidHookRequest("fhirServer must use https when production data is exchanged")
    if parts.query or parts.fragment:
        raise InvalidHookRequest("fhirServer must be a base URL without query or fragment")
    return value.rstrip("/")


def _fhir_authorization(body: dict[str, Any], fhir_server: str | None) -> FhirAuthorization | None:
    raw = body.get("fhirAuthorization")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidHookRequest("fhirAuthorization must be an object")
    if fhir_server is None:
        raise InvalidHookRequest("fhirServer is required when fhirAuthorization is given")
    where = "fhirAuthorization."
    if raw.get("token_type") != "Bearer":
        raise InvalidHookRequest("fhirAuthorization.token_type must be 'Bearer'")
    expires_in = raw.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
        raise InvalidHookRequest("fhirAuthorization.expires_in must be a non-negative integer")
    patient = raw.get("patient")
    if patient is not None and (not isinstance(patient, str) or not FHIR_ID.fullmatch(patient)):
        raise InvalidHookRequest("fhirAuthorization.patient must be a FHIR id")
    return FhirAuthorization(
        access_token=_string(raw, "access_token", where),
        token_type=raw["token_type"],
        expires_in=expires_in,
        scope=_string(raw, "scope", where),
        subject=_string(raw, "subject", where),
        patient=patient,
    )


def _check_field(context: dict[str, Any], spec: ContextField) -> None:
    where = f"context.{spec.name}"
    if spec.name not in context:
        if spec.required:
            raise InvalidHookRequest(f"{where} is required for this hook")
        return
    value = context[spec.name]
    problem = spec.check(value)
    if problem:
        raise InvalidHookRequest(f"{where} {problem}")


def _context(body: dict[str, Any], hook: str) -> dict[str, Any]:
    context = body.get("context")
    if not isinstance(context, dict):
        raise InvalidHookRequest("context is required and must be an object")
    for spec in HOOK_CONTEXTS[hook]:
        _check_field(context, spec)
    if hook == "order-select" and unknown_selections(context):
        raise InvalidHookRequest("context.selections must name orders in context.draftOrders")
    return context


def _prefetch(body: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    raw = body.get("prefetch", {})
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidHookRequest("prefetch must be an object")
    for key, value in raw.items():
        if value is not None and not (isinstance(value, dict) and "resourceType" in value):
            raise InvalidHookRequest(f"prefetch.{key} must be a FHIR resource or null")
    return raw


def parse_hook_request(body: object, hooks: tuple[str, ...], require_https: bool) -> HookRequest:
    """Validates a call to a service that answers `hooks`."""
    if not isinstance(body, dict):
        raise InvalidHookRequest("the request body must be a JSON object")
    hook = _string(body, "hook", "")
    if hook not in hooks:
        raise InvalidHookRequest(f"this service answers {', '.join(hooks)}, not {hook[:64]!r}")
    fhir_server = _fhir_server(body, require_https)
    return HookRequest(
        hook=hook,
        hook_instance=_hook_instance(body),
        context=_context(body, hook),
        fhir_server=fhir_server,
        fhir_authorization=_fhir_authorization(body, fhir_server),
        prefetch=_prefetch(body),
    )
