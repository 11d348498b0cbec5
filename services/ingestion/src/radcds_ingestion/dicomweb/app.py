"""DICOMweb under /dicomweb: STOW-RS in, QIDO-RS and WADO-RS out (PS3.18 10).

Every request needs a bearer token whose SMART scopes grant the transaction (access.py):
401 with a WWW-Authenticate challenge without a valid one, 403 when its scopes fall short.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from radcds_kit.oidc import TokenVerifier, install_token_verifier

from radcds_ingestion.dicomweb import dicom_json, wado
from radcds_ingestion.dicomweb.access import MayRead, MaySearch, MayStore
from radcds_ingestion.dicomweb.stow import BadStowRequest, receive_parts, store_parts, stow_response
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.index_queries import (
    find_instances,
    find_studies,
    study_aggregates,
    study_query,
)
from radcds_ingestion.receiver import InstanceReceiver

DICOM_JSON = "application/dicom+json"
MAX_QIDO_LIMIT = 1000


def create_app(
    index: InstanceIndex, receiver: InstanceReceiver, verifier: TokenVerifier
) -> FastAPI:
    router = APIRouter(prefix="/dicomweb")
    BaseUrl = Annotated[str, Depends(_base_url)]

    @router.post("/studies")
    @router.post("/studies/{study}")
    async def stow(request: Request, base_url: BaseUrl, _: MayStore, study: str = "") -> Response:
        try:
            parts = await receive_parts(
                receiver.spool, request.headers.get("content-type", ""), request.stream()
            )
        except BadStowRequest as error:
            raise HTTPException(415, str(error)) from error
        if not parts:
            raise HTTPException(400, "no instances in the request")
        outcomes = await store_parts(receiver, parts, study)
        status, body = stow_response(outcomes, base_url)
        return JSONResponse(body, status_code=status, media_type=DICOM_JSON)

    @router.get("/studies")
    async def search_studies(request: Request, base_url: BaseUrl, _: MaySearch) -> Response:
        params = dict(request.query_params)
        limit = min(_count(params, "limit", 100), MAX_QIDO_LIMIT)
        query = study_query(params, limit, _count(params, "offset", 0))
        rows = await asyncio.to_thread(find_studies, index.engine, query)
        uids = [row["study_instance_uid"] for row in rows]
        totals = await asyncio.to_thread(study_aggregates, index.engine, uids)
        found = [
            dicom_json.study_attributes(r, totals.get(u, {}), base_url)
            for r, u in zip(rows, uids, strict=True)
        ]
        return _qido(found)

    @router.get("/studies/{study}/series")
    async def search_series(study: str, base_url: BaseUrl, _: MaySearch) -> Response:
        rows = await asyncio.to_thread(find_instances, index.engine, study)
        return _qido(dicom_json.series_of(list(rows), base_url) if rows else [])

    @router.get("/studies/{study}/instances")
    @router.get("/studies/{study}/series/{series}/instances")
    async def search_instances(
        study: str, base_url: BaseUrl, _: MaySearch, series: str = ""
    ) -> Response:
        rows = await asyncio.to_thread(find_instances, index.engine, study, series)
        return _qido([dicom_json.instance_attributes(row, base_url) for row in rows])

    @router.get("/studies/{study}/metadata")
    @router.get("/studies/{study}/series/{series}/metadata")
    @router.get("/studies/{study}/series/{series}/instances/{sop}/metadata")
    async def metadata(_: MayRead, study: str, series: str = "", sop: str = "") -> Response:
        rows = await _existing(index, study, series, sop)
        found = [
            await asyncio.to_thread(dicom_json.instance_metadata, wado.path_of(r)) for r in rows
        ]
        return JSONResponse(found, media_type=DICOM_JSON)

    @router.get("/studies/{study}")
    @router.get("/studies/{study}/series/{series}")
    @router.get("/studies/{study}/series/{series}/instances/{sop}")
    async def retrieve(_: MayRead, study: str, series: str = "", sop: str = "") -> Response:
        rows = await _existing(index, study, series, sop)
        boundary = wado.new_boundary()
        return StreamingResponse(
            wado.multipart_instances(rows, boundary), media_type=wado.content_type(boundary)
        )

    app = FastAPI(title="radcds ingestion DICOMweb")
    install_token_verifier(app, verifier)
    app.include_router(router)
    return app


def _base_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/dicomweb"


def _count(params: dict[str, str], name: str, default: int) -> int:
    value = params.get(name, str(default))
    if not value.isdigit():
        raise HTTPException(400, f"{name} must be a non-negative integer")
    return int(value)


def _qido(found: list[dicom_json.DicomJson]) -> Response:
    # PS3.18 8.3.4.3: no match is 204 No Content.
    if not found:
        return Response(status_code=204)
    return JSONResponse(found, media_type=DICOM_JSON)


async def _existing(index: InstanceIndex, study: str, series: str, sop: str) -> list[Any]:
    rows = await asyncio.to_thread(find_instances, index.engine, study, series, sop)
    if not rows:
        raise HTTPException(404, "no such study, series or instance")
    return list(rows)
