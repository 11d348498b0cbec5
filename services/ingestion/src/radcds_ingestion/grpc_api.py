"""The IngestionService gRPC API: studies from the index, instance bytes from the spool."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
from radcds.common.v1 import common_pb2
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from sqlalchemy import RowMapping

from radcds_ingestion import statuses
from radcds_ingestion.index import (
    RECEIVING,
    STABLE,
    SUBMITTED,
    InstanceIndex,
    StudySnapshot,
    study_state,
)
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.spool import InstanceSpool
from radcds_ingestion.study_messages import study_message

MAX_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_CHUNK_BYTES = 1024 * 1024
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
STATE_NAMES = {
    ingestion_pb2.STUDY_STATE_RECEIVING: RECEIVING,
    ingestion_pb2.STUDY_STATE_STABLE: STABLE,
    ingestion_pb2.STUDY_STATE_SUBMITTED: SUBMITTED,
}


class IngestionServicer(ingestion_pb2_grpc.IngestionServiceServicer):
    def __init__(self, index: InstanceIndex, receiver: InstanceReceiver) -> None:
        self.index = index
        self.receiver = receiver

    @property
    def spool(self) -> InstanceSpool:
        return self.receiver.spool

    async def GetStudy(
        self, request: ingestion_pb2.GetStudyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> ingestion_pb2.GetStudyResponse:
        snapshot = await self._snapshot(request.study_instance_uid, context)
        return ingestion_pb2.GetStudyResponse(study=study_message(snapshot))

    async def ListStudies(
        self, request: ingestion_pb2.ListStudiesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> ingestion_pb2.ListStudiesResponse:
        size = min(request.page.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        offset = int(request.page.page_token) if request.page.page_token.isdigit() else 0
        wanted = STATE_NAMES.get(request.state)
        rows = await asyncio.to_thread(self.index.study_rows, 100_000, 0)
        matching = [row for row in rows if wanted is None or study_state(row) == wanted]
        page = matching[offset : offset + size]
        snapshots = [
            await asyncio.to_thread(self.index.snapshot, r["study_instance_uid"]) for r in page
        ]
        next_token = str(offset + size) if offset + size < len(matching) else ""
        return ingestion_pb2.ListStudiesResponse(
            studies=[study_message(s) for s in snapshots if s is not None],
            page=common_pb2.PageResponse(next_page_token=next_token),
        )

    async def StreamInstances(
        self,
        request: ingestion_pb2.StreamInstancesRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[ingestion_pb2.StreamInstancesResponse]:
        snapshot = await self._snapshot(request.study_instance_uid, context)
        wanted = set(request.series_instance_uids)
        chunk_bytes = min(request.max_chunk_bytes or DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES)
        for row in snapshot.instances:
            if wanted and row["series_instance_uid"] not in wanted:
                continue
            reader = _instance_chunks(row, chunk_bytes)
            while (chunk := await asyncio.to_thread(next, reader, None)) is not None:
                yield ingestion_pb2.StreamInstancesResponse(chunk=chunk)

    async def StoreInstances(
        self,
        request_iterator: AsyncIterator[ingestion_pb2.StoreInstancesRequest],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> ingestion_pb2.StoreInstancesResponse:
        response = ingestion_pb2.StoreInstancesResponse()
        handle, path = self.spool.new_incoming_file()
        try:
            async for request in request_iterator:
                await asyncio.to_thread(handle.write, request.chunk.data)
                if request.chunk.last_chunk:
                    handle.close()
                    await self._accept(path, request.chunk.sop_instance_uid, response)
                    handle, path = self.spool.new_incoming_file()
        finally:
            handle.close()
            self.spool.discard(path)
        return response

    async def _accept(
        self, path: Path, sop_instance_uid: str, response: ingestion_pb2.StoreInstancesResponse
    ) -> None:
        outcome = await asyncio.to_thread(self.receiver.accept, path, sop_instance_uid)
        if outcome.stored and outcome.header is not None:
            response.stored.add(
                sop_instance_uid=outcome.header.sop_instance_uid,
                study_instance_uid=outcome.header.study_instance_uid,
            )
            return
        response.failed.add(
            sop_instance_uid=sop_instance_uid,
            status=outcome.status or statuses.PROCESSING_FAILURE,
            reason=outcome.reason,
        )

    async def _snapshot(
        self, study_instance_uid: str, context: grpc.aio.ServicerContext[Any, Any]
    ) -> StudySnapshot:
        snapshot = await asyncio.to_thread(self.index.snapshot, study_instance_uid)
        if snapshot is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such study")
        assert snapshot is not None
        return snapshot


def _instance_chunks(row: RowMapping, chunk_bytes: int) -> Iterator[ingestion_pb2.InstanceChunk]:
    path = Path(row["path"])
    total = path.stat().st_size
    offset = 0
    for data in InstanceSpool.read_chunks(path, chunk_bytes):
        yield ingestion_pb2.InstanceChunk(
            sop_instance_uid=row["sop_instance_uid"],
            series_instance_uid=row["series_instance_uid"],
            transfer_syntax_uid=row["transfer_syntax_uid"],
            offset=offset,
            total_bytes=total,
            data=data,
            last_chunk=offset + len(data) >= total,
        )
        offset += len(data)
