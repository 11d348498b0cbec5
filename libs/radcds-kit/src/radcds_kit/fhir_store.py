"""A client of the gateway's gRPC FhirStore, speaking FHIR R4 JSON as dicts.

Every service that reads or writes the FHIR repository goes through this one
client; FHIR travels as JSON bytes on the wire (design.md, Contracts).
"""

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import grpc
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc

Resource = dict[str, Any]


class FhirStoreError(Exception):
    """The store refused a request; `outcome` is its OperationOutcome when it sent one."""

    def __init__(self, code: grpc.StatusCode, outcome: Resource | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.outcome = outcome


def _error(error: grpc.aio.AioRpcError) -> FhirStoreError:
    details = error.details() or ""
    try:
        outcome = json.loads(details)
    except ValueError:
        outcome = None
    return FhirStoreError(error.code(), outcome if isinstance(outcome, dict) else None, details)


class FhirStoreClient:
    """FhirStore over a grpc.aio channel the caller owns; each call has a deadline."""

    def __init__(self, channel: grpc.aio.Channel, *, client_id: str, timeout_s: float = 10.0):
        self._stub = fhir_store_pb2_grpc.FhirStoreServiceStub(channel)
        self._metadata = (("x-radcds-client", client_id),)
        self._timeout = timeout_s

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.aio.AioRpcError as error:
            raise _error(error) from error

    async def put(
        self, resource: Mapping[str, Any], *, if_none_exist: str = "", if_match: str = ""
    ) -> tuple[Resource, bool]:
        """Creates (no id), updates (with id) or conditionally creates a resource."""
        request = fhir_store_pb2.PutRequest(
            resource=json.dumps(resource).encode(),
            if_none_exist=if_none_exist,
            if_match_version_id=if_match,
        )
        reply = await self._call(self._stub.Put, request)
        return json.loads(reply.resource), bool(reply.created)

    async def get(self, resource_type: str, id_: str, version_id: str = "") -> Resource:
        request = fhir_store_pb2.GetRequest(
            resource_type=resource_type, id=id_, version_id=version_id
        )
        reply = await self._call(self._stub.Get, request)
        return dict(json.loads(reply.resource))

    async def search(
        self, resource_type: str, params: Mapping[str, str] | list[tuple[str, str]]
    ) -> Resource:
        """A searchset Bundle."""
        query = urlencode(list(params.items()) if isinstance(params, Mapping) else params)
        request = fhir_store_pb2.SearchRequest(resource_type=resource_type, query=query)
        reply = await self._call(self._stub.Search, request)
        return dict(json.loads(reply.bundle))

    async def search_resources(
        self, resource_type: str, params: Mapping[str, str] | list[tuple[str, str]]
    ) -> list[Resource]:
        """The matched resources of a search, without included ones."""
        bundle = await self.search(resource_type, params)
        return [
            entry["resource"]
            for entry in bundle.get("entry", [])
            if entry.get("search", {}).get("mode", "match") == "match"
        ]

    async def transaction(self, bundle: Mapping[str, Any]) -> Resource:
        request = fhir_store_pb2.TransactionRequest(bundle=json.dumps(bundle).encode())
        reply = await self._call(self._stub.Transaction, request)
        return dict(json.loads(reply.bundle))
