"""Launch contexts an EHR registers before it launches the app (SMART App Launch 2.x, EHR
launch: "an opaque handle to the EHR context is passed along to the app as part of the
launch URL"). Keycloak cannot hold them, so the gateway issues the `launch` id and keeps
what it stands for in Redis for a few minutes; a CDS card's appContext handle (cds.ledger)
is the other kind of launch id.

POST /app/launch-contexts with the EHR's bearer token (a token that may read Patient beyond
one patient's compartment, such as radcds-ehr's `system/*.rs`) and
`{"patient": "<id>", "fhirContext": ["ImagingStudy/<id>", ...]}` answers `{"launch": ...}`.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from radcds_gateway.auth import AccessToken, InvalidToken
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.fhir_reader import FhirReader
from radcds_gateway.web.smart import Web, app_verifier

FHIR_REFERENCE = r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}$"
router = APIRouter(prefix="/app", include_in_schema=False)


class LaunchRequest(BaseModel):
    patient: Annotated[str, Field(pattern=r"^(Patient/)?[A-Za-z0-9\-.]{1,64}$")]
    fhirContext: list[Annotated[str, Field(pattern=FHIR_REFERENCE)]] = Field(
        default_factory=list, max_length=20
    )


async def _ehr_token(request: Request, authorization: str) -> AccessToken:
    scheme, _, raw = authorization.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        raise PageError(401, "A bearer token is required.")
    try:
        token = await app_verifier(request).verify(raw)
    except InvalidToken:
        raise PageError(401, "The access token was not accepted.") from None
    if not token.scopes.allows_beyond_patient("Patient", "read"):
        raise PageError(403, "Only an EHR may register launch contexts.")
    return token


@router.post("/launch-contexts")
async def register_launch(
    request: Request, web: Web, body: Annotated[LaunchRequest, Body()],
    authorization: Annotated[str, Header(max_length=8192)] = "",
) -> Response:  # fmt: skip
    """Issues a `launch` id for the EHR's context; the patient must exist and be readable
    with the EHR's own token."""
    await _ehr_token(request, authorization)
    patient = body.patient.removeprefix("Patient/")
    raw = authorization.partition(" ")[2]
    await FhirReader(web.http, web.fhir_base(request), raw).read(f"Patient/{patient}")
    launch = await web.launches.issue(patient, list(body.fhirContext))
    answer = {"launch": launch, "expires_in": web.launches.ttl_s}
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})
