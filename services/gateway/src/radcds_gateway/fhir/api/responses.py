"""FHIR JSON responses and OperationOutcome errors for the HTTP API."""

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from radcds_gateway.fhir.outcome import FhirError, operation_outcome
from radcds_gateway.fhir.stored import StoredResource
from radcds_gateway.fhir.validation import parse_json

FHIR_JSON = "application/fhir+json"
ACCEPTED_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")
MAX_BODY = 32 * 1024 * 1024
HTTP_CODES = {
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    415: "not-supported",
    503: "transient",
}


class FhirResponse(Response):
    media_type = FHIR_JSON


def resource_response(
    stored: StoredResource, status: int = 200, location: str | None = None
) -> Response:
    headers = {"ETag": stored.etag, "Last-Modified": stored.last_modified}
    if location:
        headers["Location"] = location
    return FhirResponse(stored.body, status_code=status, headers=headers)


def outcome_response(status: int, outcome: dict[str, object]) -> Response:
    return FhirResponse(orjson.dumps(outcome), status_code=status)


async def read_body(request: Request) -> object:
    content_type = request.headers.get("content-type", FHIR_JSON).split(";")[0].strip()
    if content_type not in ACCEPTED_TYPES:
        raise FhirError(
            "not-supported", f"content type {content_type} is not supported; send {FHIR_JSON}", 415
        )
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise FhirError("too-costly", f"the body exceeds {MAX_BODY} bytes")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise FhirError("too-costly", f"the body exceeds {MAX_BODY} bytes")
    return parse_json(body)


async def _fhir_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FhirError)
    return outcome_response(error.status, error.outcome())


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if not request.url.path.startswith("/fhir"):
        return Response(str(error.detail), status_code=error.status_code, headers=error.headers)
    code = getattr(error, "issue_code", None) or HTTP_CODES.get(error.status_code, "processing")
    response = outcome_response(error.status_code, operation_outcome(code, str(error.detail)))
    response.headers.update(error.headers or {})
    return response


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return outcome_response(400, operation_outcome("invalid", "the request is malformed"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _fhir_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
