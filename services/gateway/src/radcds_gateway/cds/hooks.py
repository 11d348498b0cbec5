"""The context each hook defines (CDS Hooks 2.0 hook pages: patient-view 1.0,
order-select 1.0, order-sign 1.0), as checks on the request's `context`."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# FHIR R4 datatypes, "id": [A-Za-z0-9\-\.]{1,64}.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
REFERENCE = re.compile(r"([A-Za-z]{1,64})/([A-Za-z0-9\-.]{1,64})")
# R4 order types allowed in draftOrders (order-select and order-sign, "Context").
R4_ORDER_TYPES = frozenset(
    {"DeviceRequest", "MedicationRequest", "NutritionOrder", "ServiceRequest", "VisionPrescription"}
)
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class ContextField:
    name: str
    required: bool
    check: Check
    # May be used as a prefetch token, `{{context.<name>}}`.
    token: bool


def fhir_id(value: Any) -> str | None:
    if isinstance(value, str) and FHIR_ID.fullmatch(value):
        return None
    return "must be a FHIR id"


def user_reference(*types: str) -> Check:
    def check(value: Any) -> str | None:
        match = REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if match and match.group(1) in types:
            return None
        return f"must be a reference to one of {', '.join(types)}, e.g. {types[0]}/123"

    return check


def draft_orders(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return "must be a FHIR Bundle"
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        return "must have an entry array"
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") not in R4_ORDER_TYPES:
            return f"entries must be R4 orders ({', '.join(sorted(R4_ORDER_TYPES))})"
        if resource.get("status") != "draft":
            return "entries must have status draft"
    return None


def selections(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty array of references"
    for item in value:
        if not isinstance(item, str) or not REFERENCE.fullmatch(item):
            return "must hold references such as ServiceRequest/123"
    return None


PATIENT_VIEW_USERS = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson")
ORDER_USERS = ("Practitioner", "PractitionerRole")


def _common(users: tuple[str, ...]) -> tuple[ContextField, ...]:
    return (
        ContextField("userId", True, user_reference(*users), token=True),
        ContextField("patientId", True, fhir_id, token=True),
        ContextField("encounterId", False, fhir_id, token=True),
    )


HOOK_CONTEXTS: dict[str, tuple[ContextField, ...]] = {
    "patient-view": _common(PATIENT_VIEW_USERS),
    "order-select": (
        *_common(ORDER_USERS),
        ContextField("selections", True, selections, token=False),
        ContextField("draftOrders", True, draft_orders, token=False),
    ),
    "order-sign": (
        *_common(ORDER_USERS),
        ContextField("draftOrders", True, draft_orders, token=False),
    ),
}


def selected_orders(hook: str, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The orders a hook asks about: order-select's selections, all of order-sign's drafts."""
    resources = [e["resource"] for e in context["draftOrders"].get("entry", [])]
    if hook != "order-select":
        return resources
    chosen = set(context["selections"])
    return [r for r in resources if f"{r['resourceType']}/{r.get('id')}" in chosen]


def unknown_selections(context: dict[str, Any]) -> list[str]:
    """order-select: "selections ... references FHIR resources in the draftOrders Bundle"."""
    drafts = {
        f"{e['resource'].get('resourceType')}/{e['resource'].get('id')}"
        for e in context["draftOrders"].get("entry", [])
    }
    return [s for s in context["selections"] if s not in drafts]
