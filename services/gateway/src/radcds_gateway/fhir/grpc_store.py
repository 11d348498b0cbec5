"""The gRPC FhirStore: internal writes and reads with the HTTP API's validation and versioning."""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import grpc
import orjson
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc

from radcds_gateway.fhir import bundle
from radcds_gateway.fhir.access import AccessToken, InternalToken
from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.service import FhirService
from radcds_gateway.fhir.transaction import BundleProcessor
from radcds_gateway.fhir.validation import parse_json

T = TypeVar("T")
Context = grpc.aio.ServicerContext[Any, Any]
GRPC_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    410: grpc.StatusCode.NOT_FOUND,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    422: grpc.StatusCode.INVALID_ARGUMENT,
}


def _caller(context: Context) -> AccessToken:
    metadata = dict(context.invocation_metadata() or ())
    client = str(metadata.get("x-radcds-client", "internal-service"))
    return InternalToken(subject=client, client_id=client)


async def _answer(context: Context, work: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(work)
    except FhirError as error:
        status = GRPC_STATUS.get(error.status, grpc.StatusCode.INTERNAL)
        detail = orjson.dumps(error.outcome()).decode()
        await context.abort(status, detail)
        raise  # abort raises; this line satisfies the type checker


class FhirStoreServicer(fhir_store_pb2_grpc.FhirStoreServiceServicer):
    def __init__(self, service: FhirService, base_url: str) -> None:
        self.service = service
        self.base_url = base_url

    async def Put(
        self, request: fhir_store_pb2.PutRequest, context: Context
    ) -> fhir_store_pb2.PutResponse:
        token = _caller(context)

        def put() -> fhir_store_pb2.PutResponse:
            resource = parse_json(request.resource)
            if_match = (
                int(request.if_match_version_id) if request.if_match_version_id.isdigit() else None
            )
            if isinstance(resource, dict) and resource.get("id") and not request.if_none_exist:
                stored, created = self.service.update(
                    token, str(resource.get("resourceType")), resource["id"], resource, if_match
                )
            else:
                stored, created = self.service.create(
                    token, resource, request.if_none_exist or None
                )
            return fhir_store_pb2.PutResponse(resource=stored.body, created=created)

        return await _answer(context, put)

    async def Get(
        self, request: fhir_store_pb2.GetRequest, context: Context
    ) -> fhir_store_pb2.GetResponse:
        token = _caller(context)

        def get() -> fhir_store_pb2.GetResponse:
            if request.version_id:
                stored = self.service.vread(
                    token, request.resource_type, request.id, request.version_id
                )
            else:
                stored = self.service.read(token, request.resource_type, request.id)
            return fhir_store_pb2.GetResponse(resource=stored.body)

        return await _answer(context, get)

    async def Search(
        self, request: fhir_store_pb2.SearchRequest, context: Context
    ) -> fhir_store_pb2.SearchResponse:
        token = _caller(context)

        def search() -> fhir_store_pb2.SearchResponse:
            query = parse_qsl(request.query, keep_blank_values=True)
            parsed = self.service.parse_search(token, request.resource_type, query, lenient=False)
            result = self.service.search(token, parsed, request.query)
            links = {"self": f"{self.base_url}/{request.resource_type}?{request.query}"}
            return fhir_store_pb2.SearchResponse(
                bundle=bundle.searchset(result, self.base_url, links)
            )

        return await _answer(context, search)

    async def Transaction(
        self, request: fhir_store_pb2.TransactionRequest, context: Context
    ) -> fhir_store_pb2.TransactionResponse:
        token = _caller(context)
        processor = BundleProcessor(self.service)

        def transact() -> fhir_store_pb2.TransactionResponse:
            result = processor.process(token, parse_json(request.bundle), self.base_url)
            return fhir_store_pb2.TransactionResponse(bundle=orjson.dumps(result))

        return await _answer(context, transact)
