"""The study's source datasets, streamed from ingestion (radcds.ingestion.v1)."""

from io import BytesIO
from typing import Protocol

import grpc
from pydicom import dcmread
from pydicom.dataset import Dataset
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc

# The SR and the PDF need headers only; an instance larger than this is refused.
MAX_INSTANCE_BYTES = 2 * 1024**3
CHUNK_BYTES = 4 * 1024 * 1024


class SourceLoader(Protocol):
    async def datasets(self, study_uid: str) -> list[Dataset]:
        """The study's instances (images, and a SEG if stored), without pixel data."""
        ...


def _parse(buffer: BytesIO) -> Dataset:
    buffer.seek(0)
    return dcmread(buffer, stop_before_pixels=True)


class IngestionSources:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float = 120.0) -> None:
        self._stub = ingestion_pb2_grpc.IngestionServiceStub(channel)
        self._timeout_s = timeout_s

    async def datasets(self, study_uid: str) -> list[Dataset]:
        request = ingestion_pb2.StreamInstancesRequest(
            study_instance_uid=study_uid, max_chunk_bytes=CHUNK_BYTES
        )
        found: list[Dataset] = []
        buffer = BytesIO()
        async for reply in self._stub.StreamInstances(request, timeout=self._timeout_s):
            chunk = reply.chunk
            if chunk.offset != buffer.tell() or chunk.total_bytes > MAX_INSTANCE_BYTES:
                raise ValueError("ingestion sent an instance out of order or too large")
            buffer.write(chunk.data)
            if chunk.last_chunk:
                found.append(_parse(buffer))
                buffer = BytesIO()
        return found
