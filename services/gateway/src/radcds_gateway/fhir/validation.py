"""Parsing and structural validation of FHIR R4 JSON with fhir.resources' R4B models."""

import re
from typing import Any

import orjson
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from radcds_gateway.fhir.outcome import FhirError

# R4 id datatype: http://hl7.org/fhir/R4/datatypes.html#id
RESOURCE_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
MAX_ISSUES = 20


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise FhirError("structure", f"the body is not valid JSON: {error}") from error


def check_id(resource_id: str) -> str:
    if not RESOURCE_ID.match(resource_id):
        raise FhirError("invalid", "a resource id is 1 to 64 of A-Z a-z 0-9 - and .")
    return resource_id


def _issue(error: Any) -> dict[str, Any]:
    location = ".".join(str(part) for part in error["loc"])
    return {
        "severity": "error",
        "code": "structure" if error["type"] == "extra_forbidden" else "value",
        "diagnostics": f"{location}: {error['msg']}" if location else error["msg"],
        "expression": [location] if location else [],
    }


def validate_resource(resource: Any, supported: tuple[str, ...]) -> dict[str, Any]:
    """Returns the resource if it is a valid R4 resource of a supported type."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise FhirError("structure", "the body is not a FHIR resource: no resourceType")
    resource_type = resource["resourceType"]
    if resource_type not in supported:
        raise FhirError("not-supported", f"resource type {resource_type} is not supported")
    if "id" in resource and not (
        isinstance(resource["id"], str) and RESOURCE_ID.match(resource["id"])
    ):
        raise FhirError("invalid", "a resource id is 1 to 64 of A-Z a-z 0-9 - and .")
    try:
        get_fhir_model_class(resource_type).model_validate(resource)
    except ValidationError as error:
        issues = [_issue(e) for e in error.errors(include_input=False)[:MAX_ISSUES]]
        raise FhirError(
            "processing", f"{resource_type} is not valid R4", status=422, issues=issues
        ) from error
    return resource
