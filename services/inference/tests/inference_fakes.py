"""In-test stand-ins for ingestion, the gateway's FhirStore and report, on ephemeral ports.

They are real grpc.aio servers speaking the real protos, run in a thread of the test
process; they store what they receive so a test can look at it. (The real ingestion and
gateway need a study ingested over DIMSE and their own state; these keep the inference tests
about inference.)
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import Any

import grpc
import orjson
import pydicom
from radcds.gateway.v1 import fhir_store_pb2, fhir_store_pb2_grpc
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.ports import free_port

CHUNK = 256 * 1024


class FakeIngestion(ingestion_pb2_grpc.IngestionServiceServicer):
    def __init__(self) -> None:
        self.studies: dict[str, list[tuple[str, str, bytes]]] = {}
        self.stored: dict[str, pydicom.Dataset] = {}
        self.store_calls = 0
        # Cleared, StreamInstances waits before sending; `entered` is set when one arrives.
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    async def StreamInstances(
        self, request: ingestion_pb2.StreamInstancesRequest, context: Any
    ) -> AsyncIterator[ingestion_pb2.StreamInstancesResponse]:
        self.entered.set()
        await asyncio.to_thread(self.gate.wait)
        if request.study_instance_uid not in self.studies:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such study")
        for sop, series, data in self.studies[request.study_instance_uid]:
            for offset in range(0, len(data), CHUNK):
                yield ingestion_pb2.StreamInstancesResponse(
                    chunk=ingestion_pb2.InstanceChunk(
                        sop_instance_uid=sop,
                        series_instance_uid=series,
                        offset=offset,
                        total_bytes=len(data),
                        data=data[offset : offset + CHUNK],
                        last_chunk=offset + CHUNK >= len(data),
                    )
                )

    async def StoreInstances(
        self, request_iterator: AsyncIterator[ingestion_pb2.StoreInstancesRequest], context: Any
    ) -> ingestion_pb2.StoreInstancesResponse:
        self.store_calls += 1
        parts: dict[str, bytearray] = defaultdict(bytearray)
        response = ingestion_pb2.StoreInstancesResponse()
        async for request in request_iterator:
            parts[request.chunk.sop_instance_uid] += request.chunk.data
            if request.chunk.last_chunk:
                from io import BytesIO

                dataset = pydicom.dcmread(BytesIO(bytes(parts.pop(request.chunk.sop_instance_uid))))
                self.stored[str(dataset.SOPInstanceUID)] = dataset
                response.stored.add(
                    sop_instance_uid=str(dataset.SOPInstanceUID),
                    study_instance_uid=str(dataset.StudyInstanceUID),
                )
        return response


class FakeFhirStore(fhir_store_pb2_grpc.FhirStoreServiceServicer):
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = defaultdict(int)
        self.transactions = 0
        # Set, every Transaction fails with this code (a store that is down).
        self.fail_with: grpc.StatusCode | None = None

    async def Transaction(
        self, request: fhir_store_pb2.TransactionRequest, context: Any
    ) -> fhir_store_pb2.TransactionResponse:
        if self.fail_with is not None:
            await context.abort(self.fail_with, "the FHIR store is down for the test")
        bundle = orjson.loads(request.bundle)
        if bundle.get("type") != "transaction":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "not a transaction")
        self.transactions += 1
        entries = []
        for entry in bundle["entry"]:
            url = entry["request"]["url"]
            assert entry["request"]["method"] == "PUT"
            self.resources[url] = entry["resource"]
            self.versions[url] += 1
            entries.append(
                {"response": {"status": "200", "location": f"{url}/_history/{self.versions[url]}"}}
            )
        reply = {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
        return fhir_store_pb2.TransactionResponse(bundle=orjson.dumps(reply))

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.resources.values() if r["resourceType"] == resource_type]


class AcceptingReport(report_pb2_grpc.ReportServiceServicer):
    def __init__(self) -> None:
        self.accept = False
        self.composed: list[report_pb2.ComposeRequest] = []

    async def Compose(
        self, request: report_pb2.ComposeRequest, context: Any
    ) -> report_pb2.ComposeResponse:
        if not self.accept:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Compose is not implemented yet")
        self.composed.append(request)
        return report_pb2.ComposeResponse()


class PeerServers:
    """The three stand-ins, each on its own ephemeral port, served from a background thread."""

    def __init__(self) -> None:
        self.ingestion = FakeIngestion()
        self.fhir = FakeFhirStore()
        self.report = AcceptingReport()
        self.ports = {"ingestion": free_port(), "gateway": free_port(), "report": free_port()}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[grpc.aio.Server] = []

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=30)

    async def _start(self) -> None:
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        for name, add, servicer in (
            (
                "ingestion",
                ingestion_pb2_grpc.add_IngestionServiceServicer_to_server,
                self.ingestion,
            ),
            ("gateway", fhir_store_pb2_grpc.add_FhirStoreServiceServicer_to_server, self.fhir),
            ("report", report_pb2_grpc.add_ReportServiceServicer_to_server, self.report),
        ):
            server = grpc.aio.server(options=options)
            add(servicer, server)
            server.add_insecure_port(self.address(name))
            await server.start()
            self._servers.append(server)

    def start(self) -> PeerServers:
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        for server in self._servers:
            self._call(server.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
