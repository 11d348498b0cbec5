"""The FHIR R4 RESTful API under /fhir (http://hl7.org/fhir/R4/http.html)."""

from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from radcds_gateway.fhir import bundle
from radcds_gateway.fhir.api.principal import Principal
from radcds_gateway.fhir.api.responses import FhirResponse, read_body, resource_response
from radcds_gateway.fhir.outcome import FhirError, operation_outcome
from radcds_gateway.fhir.service import FhirService
from radcds_gateway.fhir.stored import parse_etag
from radcds_gateway.fhir.transaction import BundleProcessor

router = APIRouter(prefix="/fhir")


async def _service(request: Request) -> FhirService:
    service: FhirService = request.app.state.fhir_service
    return service


Service = Annotated[FhirService, Depends(_service)]
IfMatch = Annotated[str | None, Header()]
IfNoneExist = Annotated[str | None, Header()]
Prefer = Annotated[str | None, Header()]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


@router.get("/metadata")
def capability_statement(request: Request) -> Response:
    return FhirResponse(request.app.state.fhir_capability)


@router.post("")
@router.post("/", include_in_schema=False)
async def bundle_interaction(request: Request, service: Service, token: Principal) -> Response:
    body = await read_body(request)
    processor = BundleProcessor(service)
    result = await run_in_threadpool(processor.process, token, body, base_url(request))
    return FhirResponse(orjson.dumps(result))


@router.get("/{resource_type}")
def search(
    resource_type: str, request: Request, service: Service, token: Principal, prefer: Prefer = None
) -> Response:
    return _search(
        resource_type, list(request.query_params.multi_items()), request, service, token, prefer
    )


@router.post("/{resource_type}/_search")
async def search_by_post(
    resource_type: str, request: Request, service: Service, token: Principal, prefer: Prefer = None
) -> Response:
    form = await request.form()
    query = [*request.query_params.multi_items(), *((k, str(v)) for k, v in form.multi_items())]
    return await run_in_threadpool(_search, resource_type, query, request, service, token, prefer)


def _search(
    resource_type: str,
    query: list[tuple[str, str]],
    request: Request,
    service: Service,
    token: Principal,
    prefer: str | None,
) -> Response:
    lenient = "handling=lenient" in (prefer or "")
    search_request = service.parse_search(token, resource_type, query, lenient)
    result = service.search(token, search_request, urlencode(query))
    base = base_url(request)
    kept = [(k, v) for k, v in query if k != "_offset"]
    page_url = f"{base}/{resource_type}?" + urlencode(kept)
    links = {
        "self": page_url + (f"&_offset={search_request.offset}" if search_request.offset else "")
    }
    following = search_request.offset + search_request.count
    if search_request.count and following < result.total:
        links["next"] = f"{page_url}&_offset={following}"
    if search_request.offset:
        links["previous"] = (
            f"{page_url}&_offset={max(0, search_request.offset - search_request.count)}"
        )
    return FhirResponse(bundle.searchset(result, base, links))


@router.post("/{resource_type}")
async def create(
    resource_type: str,
    request: Request,
    service: Service,
    token: Principal,
    if_none_exist: IfNoneExist = None,
) -> Response:
    body = await read_body(request)
    if isinstance(body, dict) and body.get("resourceType") != resource_type:
        raise FhirError("invalid", f"the body is not a {resource_type}")
    stored, created = await run_in_threadpool(service.create, token, body, if_none_exist)
    location = f"{base_url(request)}/{stored.reference}/_history/{stored.version_id}"
    return resource_response(stored, 201 if created else 200, location)


@router.get("/{resource_type}/{resource_id}")
async def read(
    resource_type: str, resource_id: str, service: Service, token: Principal
) -> Response:
    return resource_response(await service.read_current(token, resource_type, resource_id))


@router.put("/{resource_type}/{resource_id}")
async def update(
    resource_type: str,
    resource_id: str,
    request: Request,
    service: Service,
    token: Principal,
    if_match: IfMatch = None,
) -> Response:
    body = await read_body(request)
    version = parse_etag(if_match) if if_match else None
    if if_match and version is None:
        raise FhirError("invalid", 'If-Match must be an ETag such as W/"1"')
    stored, created = await run_in_threadpool(
        service.update, token, resource_type, resource_id, body, version
    )
    location = f"{base_url(request)}/{stored.reference}/_history/{stored.version_id}"
    return resource_response(stored, 201 if created else 200, location)


@router.delete("/{resource_type}/{resource_id}")
def delete(resource_type: str, resource_id: str, service: Service, token: Principal) -> Response:
    stored = service.delete(token, resource_type, resource_id)
    diagnostics = f"{resource_type}/{resource_id} deleted" if stored else "nothing to delete"
    outcome = operation_outcome("informational", diagnostics, severity="information")
    return FhirResponse(orjson.dumps(outcome), status_code=200)


@router.get("/{resource_type}/{resource_id}/_history")
def instance_history(
    resource_type: str, resource_id: str, request: Request, service: Service, token: Principal
) -> Response:
    versions = service.history(token, resource_type, resource_id)
    return FhirResponse(bundle.history(versions, base_url(request)))


@router.get("/{resource_type}/{resource_id}/_history/{version_id}")
def vread(
    resource_type: str, resource_id: str, version_id: str, service: Service, token: Principal
) -> Response:
    return resource_response(service.vread(token, resource_type, resource_id, version_id))
