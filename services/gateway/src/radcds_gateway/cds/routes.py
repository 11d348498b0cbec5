"""The CDS Hooks HTTP API: discovery, the services, feedback (CDS Hooks 2.0), and the
feedback summary for the web page. Routes are thin: the work is in HookHandler and the
feedback store; every CDS route first verifies the client's JWT."""

import asyncio
import logging
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from radcds_gateway.cds.client_auth import CdsClient, CdsClientRejected
from radcds_gateway.cds.components import CdsComponents
from radcds_gateway.cds.feedback import parse_feedback
from radcds_gateway.cds.feedback_store import UNKNOWN, CardFacts
from radcds_gateway.cds.prefetch import PrefetchUnavailable
from radcds_gateway.cds.request import InvalidHookRequest, parse_hook_request
from radcds_gateway.cds.services import SERVICES, CdsService, discovery_document

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 5 * 1024 * 1024
router = APIRouter()


def components(request: Request) -> CdsComponents:
    found: CdsComponents = request.app.state.cds
    return found


Components = Annotated[CdsComponents, Depends(components)]


def called_url(request: Request, cds: CdsComponents) -> str:
    """The URL the client called, as `aud` must name it ("Trusting CDS Clients")."""
    base = cds.settings.cds_public_base_url
    if base:
        return base + request.url.path
    return str(request.url.replace(query="", fragment=""))


async def cds_client(request: Request, cds: Components) -> CdsClient:
    try:
        return await cds.verifier.verify(
            request.headers.get("authorization"), called_url(request, cds)
        )
    except CdsClientRejected as rejected:
        # The reason is for operators; the response carries no detail and the token is
        # never logged.
        log.info("CDS client rejected", extra={"reason": str(rejected), "path": request.url.path})
        raise


Client = Annotated[CdsClient, Depends(cds_client)]


def invalid(message: str, status: int = 400, code: str = "invalid") -> JSONResponse:
    issue = {"severity": "error", "code": code, "diagnostics": message}
    return JSONResponse({"resourceType": "OperationOutcome", "issue": [issue]}, status_code=status)


async def json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise InvalidHookRequest(f"the body exceeds {MAX_BODY_BYTES} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidHookRequest("the body is not JSON") from None


def known_service(service_id: str) -> CdsService | None:
    return SERVICES.get(service_id)


@router.get("/cds-services")
async def discovery(client: Client) -> dict[str, Any]:
    return discovery_document()


@router.post("/cds-services/{service_id}")
async def call_service(
    service_id: str, request: Request, client: Client, cds: Components
) -> Response:
    service = known_service(service_id)
    if service is None:
        return invalid(f"no CDS service {service_id[:64]!r}", status=404)
    try:
        hook_request = parse_hook_request(
            await json_body(request), service.hooks, require_https=cds.settings.production
        )
        body = await cds.handler.answer(service, hook_request, cds.app_url(request))
    except InvalidHookRequest as error:
        return invalid(str(error))
    except PrefetchUnavailable as error:
        # "the service SHALL respond with an HTTP 412 Precondition Failed status code".
        return invalid(str(error), status=412)
    return Response(orjson.dumps(body), media_type="application/json")


@router.post("/cds-services/{service_id}/feedback")
async def feedback(service_id: str, request: Request, client: Client, cds: Components) -> Response:
    if known_service(service_id) is None:
        return invalid(f"no CDS service {service_id[:64]!r}", status=404)
    try:
        items = parse_feedback(await json_body(request))
    except InvalidHookRequest as error:
        return invalid(str(error))
    facts = await asyncio.gather(*(cds.ledger.card_facts(item.card) for item in items))
    known = [CardFacts(str(f["model"]), str(f["version"])) if f else UNKNOWN for f in facts]
    try:
        stored = await asyncio.to_thread(
            cds.feedback.record, service_id, list(zip(items, known, strict=True))
        )
    except SQLAlchemyError as error:
        log.warning("feedback store unavailable", extra={"error": type(error).__name__})
        return invalid("feedback not stored; send it again later", status=503, code="transient")
    return JSONResponse({"received": len(items), "stored": stored})


@router.get("/cds-feedback/summary")
async def feedback_summary(request: Request, cds: Components) -> dict[str, Any]:
    """For the web page: accepted and overridden rates and reasons per model version."""
    await cds.authenticate_user(request)
    return await asyncio.to_thread(cds.feedback.summary)
