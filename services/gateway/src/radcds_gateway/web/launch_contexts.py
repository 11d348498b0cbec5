"""Launch contexts an EHR registers before it launches the app (SMART App Launch 2.x, EHR
launch: "an opaque handle to the EHR context is passed along to the app as part of the
launch URL"). Keycloak cannot hold them, so the gateway issues the `launch` id and keeps
what it stands for in Redis for a few minutes; a CDS card's appContext handle (cds.ledger)
is the other kind of launch id.

POST /app/launch-contexts with the EHR's bearer token (a token that may read Patient beyond
one patient's compartment, such as radcds-ehr's `system/*.rs`) and
`{"patient": "<id>", "fhirContext": ["ImagingStudy/<id>", ...]}` answers `{"launch": ...}`.

Its errors are JSON, as an API's are, not the pages' HTML: `{"error": ..., "error_description":
...}` with the OAuth 2.0 error codes where one fits (RFC 6749 5.2, RFC 6750 3.1), and a 401 or
403 carries the `WWW-Authenticate: Bearer` challenge (RFC 6750 3).
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from radcds_gateway.auth import InvalidToken, IssuerUnavailable
from radcds_gateway.web.errors import LoginRequired, PageError
from radcds_gateway.web.fhir_reader import FhirReader
from radcds_gateway.web.smart import Web, app_verifier

FHIR_REFERENCE = r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$"
CHALLENGE = 'Bearer realm="radcds"'
# A token longer than this is not one the realm issued; it is refused unread.
MAX_TOKEN = 8192
# The error code each status answers with, where the error does not name a finer one.
ERROR_CODES = {400: "invalid_request", 401: "invalid_token", 403: "insufficient_scope",
               404: "not_found", 502: "bad_gateway", 503: "temporarily_unavailable"}  # fmt: skip


class LaunchContextError(Exception):
    """An error the EHR gets back as JSON."""

    def __init__(self, status: int, description: str, error: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error or ERROR_CODES.get(status, "server_error")
        self.description = description


def error_response(error: LaunchContextError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if error.status == 401:
        # RFC 6750 3.1: a request without a token is challenged without an error code.
        code = "" if error.error == "invalid_request" else f', error="{error.error}"'
        headers["WWW-Authenticate"] = CHALLENGE + code
    elif error.error == "insufficient_scope":
        headers["WWW-Authenticate"] = f'{CHALLENGE}, error="insufficient_scope"'
    body = {"error": error.error, "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=headers)


def _validation_text(error: RequestValidationError) -> str:
    """Which fields are wrong and why; pydantic's messages do not repeat the input."""
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg', '')}"
        for e in error.errors()[:5]
    ]
    return "The request body is not a launch context. " + "; ".join(problems)


class JsonErrorRoute(APIRoute):
    """Answers the route's errors, its request validation's included, as JSON (FastAPI's
    custom APIRoute: the app's handlers answer the pages' errors as HTML)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_json_errors(request: Request) -> Response:
            try:
                return await handle(request)
            except LaunchContextError as error:
                return error_response(error)
            except RequestValidationError as error:
                return error_response(LaunchContextError(400, _validation_text(error)))
            except PageError as error:
                return error_response(LaunchContextError(error.status, error.message))
            except LoginRequired:
                refused = "The FHIR server did not accept the access token."
                return error_response(LaunchContextError(401, refused))

        return handle_with_json_errors


router = APIRouter(prefix="/app", include_in_schema=False, route_class=JsonErrorRoute)


class LaunchRequest(BaseModel):
    patient: Annotated[str, Field(pattern=r"^(Patient/)?[A-Za-z0-9\-.]{1,64}$")]
    fhirContext: list[Annotated[str, Field(pattern=FHIR_REFERENCE)]] = Field(
        default_factory=list, max_length=20
    )


async def ehr_bearer_token(request: Request) -> str:
    """The request's bearer token, verified to be an EHR's: one that may read Patient beyond
    one patient's compartment."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise LaunchContextError(401, "A bearer token is required.", "invalid_request")
    refused = LaunchContextError(401, "The access token was not accepted.")
    if len(raw) > MAX_TOKEN:
        raise refused
    try:
        token = await app_verifier(request).verify(raw)
    except InvalidToken:
        raise refused from None
    except IssuerUnavailable:
        raise LaunchContextError(503, "The token issuer is unavailable; try again.") from None
    if not token.scopes.allows_beyond_patient("Patient", "read"):
        raise LaunchContextError(403, "Only an EHR may register launch contexts.")
    return raw


EhrBearerToken = Annotated[str, Depends(ehr_bearer_token)]


async def _check_patient(reader: FhirReader, patient: str) -> None:
    """The patient exists and the EHR's own token may read it."""
    try:
        await reader.read(f"Patient/{patient}")
    except PageError as error:
        if error.status == 404:
            raise LaunchContextError(404, "The FHIR server has no such Patient.") from None
        if error.status == 403:
            raise LaunchContextError(403, "The EHR's token may not read this Patient.") from None
        raise


@router.post("/launch-contexts")
async def register_launch(
    request: Request, web: Web, ehr_token: EhrBearerToken, body: Annotated[LaunchRequest, Body()]
) -> Response:
    """Issues a `launch` id for the EHR's context."""
    patient = body.patient.removeprefix("Patient/")
    await _check_patient(FhirReader(web.http, web.fhir_base(request), ehr_token), patient)
    launch = await web.launches.issue(patient, list(body.fhirContext))
    answer = {"launch": launch, "expires_in": web.launches.ttl_s}
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})
