"""The services inference calls: ingestion (pixels in, SEG out) and report. The FHIR store is
reached through the kit's FhirStoreClient; `store_error` gives its refusals inference's
retry vocabulary."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pydicom
from radcds.common.v1 import common_pb2
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreError

CHUNK_BYTES = 1024 * 1024
CLIENT_METADATA = (("x-radcds-client", "radcds-inference"),)
# gRPC codes after which the same call may succeed later.
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


class PeerError(RuntimeError):
    """A peer refused or failed a call; `transient` says whether to try again, `down` that
    the peer was not there to answer (UNAVAILABLE: not started, restarting)."""

    def __init__(self, message: str, transient: bool, *, down: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.down = down


def peer_error(peer: str, error: grpc.aio.AioRpcError) -> PeerError:
    code = error.code()
    down = code == grpc.StatusCode.UNAVAILABLE
    return PeerError(f"{peer}: {code.name}: {error.details()}", code in TRANSIENT, down=down)


def store_error(call: str, error: FhirStoreError) -> PeerError:
    down = error.code == grpc.StatusCode.UNAVAILABLE
    message = f"gateway {call}: {error.code.name}: {error}"
    return PeerError(message, error.code in TRANSIENT, down=down)


class LazyChannel:
    """A grpc.aio channel made on first use, inside the running event loop."""

    def __init__(self, address: str, options: list[tuple[str, int]]) -> None:
        self.address = address
        self._options = options
        self._channel: grpc.aio.Channel | None = None

    def get(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.address, options=self._options)
        return self._channel

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()


class Ingestion:
    def __init__(self, channel: LazyChannel, max_series_bytes: int) -> None:
        self._channel = channel
        self._max_bytes = max_series_bytes

    @property
    def _stub(self) -> Any:
        # The generated stubs are typed for the blocking API; on an aio channel they are async.
        return ingestion_pb2_grpc.IngestionServiceStub(self._channel.get())

    async def pull_study(self, study_uid: str) -> dict[str, list[pydicom.Dataset]]:
        """Every instance of the study, parsed, by series; refuses oversized studies."""
        request = ingestion_pb2.StreamInstancesRequest(
            study_instance_uid=study_uid, max_chunk_bytes=CHUNK_BYTES
        )
        parts: dict[str, bytearray] = defaultdict(bytearray)
        series: dict[str, list[pydicom.Dataset]] = defaultdict(list)
        total = 0
        try:
            async for reply in self._stub.StreamInstances(request, metadata=CLIENT_METADATA):
                chunk = reply.chunk
                total += len(chunk.data)
                if total > self._max_bytes:
                    raise PeerError(f"study exceeds {self._max_bytes} bytes", transient=False)
                parts[chunk.sop_instance_uid] += chunk.data
                if chunk.last_chunk:
                    data = bytes(parts.pop(chunk.sop_instance_uid))
                    series[chunk.series_instance_uid].append(_parse(data))
        except grpc.aio.AioRpcError as error:
            raise peer_error("ingestion StreamInstances", error) from error
        return dict(series)

    async def store(self, datasets: list[pydicom.Dataset]) -> None:
        """Stores derived instances; raises unless every one is stored."""
        try:
            reply = await self._stub.StoreInstances(_chunks(datasets), metadata=CLIENT_METADATA)
        except grpc.aio.AioRpcError as error:
            raise peer_error("ingestion StoreInstances", error) from error
        if reply.failed:
            failed = reply.failed[0]
            raise PeerError(
                f"ingestion refused a SEG: status 0x{failed.status:04X} {failed.reason}",
                transient=False,
            )


def _parse(data: bytes) -> pydicom.Dataset:
    try:
        return pydicom.dcmread(io.BytesIO(data))
    except Exception as error:  # pydicom raises many types on malformed input
        raise PeerError(
            f"an instance is not readable DICOM: {type(error).__name__}", False
        ) from error


async def _chunks(
    datasets: list[pydicom.Dataset],
) -> AsyncIterator[ingestion_pb2.StoreInstancesRequest]:
    for dataset in datasets:
        buffer = io.BytesIO()
        dataset.save_as(buffer, enforce_file_format=True)
        data = buffer.getvalue()
        for offset in range(0, len(data), CHUNK_BYTES):
            piece = data[offset : offset + CHUNK_BYTES]
            yield ingestion_pb2.StoreInstancesRequest(
                chunk=ingestion_pb2.InstanceChunk(
                    sop_instance_uid=str(dataset.SOPInstanceUID),
                    series_instance_uid=str(dataset.SeriesInstanceUID),
                    transfer_syntax_uid=str(dataset.file_meta.TransferSyntaxUID),
                    offset=offset,
                    total_bytes=len(data),
                    data=piece,
                    last_chunk=offset + CHUNK_BYTES >= len(data),
                )
            )


class Report:
    def __init__(self, channel: LazyChannel) -> None:
        self._channel = channel

    @property
    def _stub(self) -> Any:
        return report_pb2_grpc.ReportServiceStub(self._channel.get())

    async def compose(
        self,
        job_id: str,
        study_uid: str,
        imaging_study: str,
        patient: str,
        findings: list[str],
        result_set_digest: str,
        imaging_study_version: str = "",
    ) -> str:
        request = report_pb2.ComposeRequest(
            study_instance_uid=study_uid,
            imaging_study=common_pb2.FhirReference(
                reference=imaging_study, version_id=imaging_study_version
            ),
            patient=common_pb2.FhirReference(reference=patient),
            findings=[common_pb2.FhirReference(reference=ref) for ref in findings],
            result_set_digest=result_set_digest,
            job_id=job_id,
        )
        try:
            reply = await self._stub.Compose(request, metadata=CLIENT_METADATA, timeout=30)
        except grpc.aio.AioRpcError as error:
            raise peer_error("report Compose", error) from error
        return str(reply.diagnostic_report.reference)
