"""A study's instances from ingestion (radcds.ingestion.v1 StreamInstances), whole."""

from collections.abc import AsyncIterator
from io import BytesIO

import grpc
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc

# One instance larger than this is refused; a CT slice is well under 1 MiB.
MAX_INSTANCE_BYTES = 2 * 1024**3
CHUNK_BYTES = 4 * 1024 * 1024


class InstanceStream:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float = 120.0) -> None:
        self._stub = ingestion_pb2_grpc.IngestionServiceStub(channel)
        self._timeout_s = timeout_s

    async def part10(self, study_uid: str) -> AsyncIterator[bytes]:
        """Each instance of the study as DICOM Part 10 bytes, one at a time."""
        request = ingestion_pb2.StreamInstancesRequest(
            study_instance_uid=study_uid, max_chunk_bytes=CHUNK_BYTES
        )
        buffer = BytesIO()
        async for reply in self._stub.StreamInstances(request, timeout=self._timeout_s):
            chunk = reply.chunk
            if chunk.offset != buffer.tell() or chunk.total_bytes > MAX_INSTANCE_BYTES:
                raise ValueError("ingestion sent an instance out of order or too large")
            buffer.write(chunk.data)
            if chunk.last_chunk:
                yield buffer.getvalue()
                buffer = BytesIO()
