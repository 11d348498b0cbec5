"""The report service (radcds.report.v1.ReportService) as the pages use it."""

import json
from dataclasses import dataclass
from typing import Any

import grpc
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2, report_pb2_grpc

from radcds_gateway.web.errors import PageError

_STATUS = {
    grpc.StatusCode.NOT_FOUND: (404, "There is no report for this study yet."),
    grpc.StatusCode.PERMISSION_DENIED: (403, "Only a practitioner may sign or amend a report."),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "The report has changed; reload and try again."),
    grpc.StatusCode.ABORTED: (409, "The report has changed; reload and try again."),
    grpc.StatusCode.INVALID_ARGUMENT: (400, "The report service refused the request."),
}

_KEY_IMAGE_STATUS = {
    **_STATUS,
    grpc.StatusCode.NOT_FOUND: (404, "There is no key image for this finding."),
    grpc.StatusCode.UNIMPLEMENTED: (404, "This report service does not serve key images."),
}


@dataclass(frozen=True)
class ReportDocuments:
    report: dict[str, Any]
    documents: dict[str, bytes]  # content type -> data


def _documents(message: report_pb2.Report) -> ReportDocuments:
    report = dict(json.loads(message.diagnostic_report))
    return ReportDocuments(report, {d.content_type: d.data for d in message.documents})


def _actor(practitioner: str) -> common_pb2.Actor:
    return common_pb2.Actor(kind=common_pb2.ACTOR_KIND_PRACTITIONER, reference=practitioner)


class ReportClient:
    """Connects lazily, inside the serving event loop."""

    def __init__(self, address: str, timeout_s: float) -> None:
        self._address = address
        self._timeout_s = timeout_s
        self._channel: grpc.aio.Channel | None = None

    def _stub(self) -> report_pb2_grpc.ReportServiceStub:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._address)
        return report_pb2_grpc.ReportServiceStub(self._channel)

    async def _call(
        self, method: str, request: Any, statuses: dict[grpc.StatusCode, tuple[int, str]] = _STATUS
    ) -> Any:
        try:
            return await getattr(self._stub(), method)(request, timeout=self._timeout_s)
        except grpc.aio.AioRpcError as error:
            status, message = statuses.get(error.code(), (502, "The report service failed."))
            raise PageError(status, message) from None

    async def get(self, report_id: str) -> ReportDocuments:
        request = report_pb2.GetReportRequest(diagnostic_report_id=report_id)
        return _documents((await self._call("GetReport", request)).report)

    async def sign(self, report_id: str, practitioner: str, version: str) -> ReportDocuments:
        request = report_pb2.SignReportRequest(
            diagnostic_report_id=report_id, signer=_actor(practitioner), if_match_version_id=version
        )
        return _documents((await self._call("SignReport", request)).report)

    async def amend(
        self, report_id: str, practitioner: str, version: str, conclusion: str, reason: str
    ) -> ReportDocuments:
        request = report_pb2.AmendReportRequest(
            diagnostic_report_id=report_id, author=_actor(practitioner),
            conclusion=conclusion, reason=reason, if_match_version_id=version,
        )  # fmt: skip
        return _documents((await self._call("AmendReport", request)).report)

    async def key_image(
        self, report_id: str, observation_id: str, offset: int, window: str
    ) -> report_pb2.GetKeyImageResponse:
        request = report_pb2.GetKeyImageRequest(
            diagnostic_report_id=report_id, observation_id=observation_id,
            slice_offset=offset, window=window,
        )  # fmt: skip
        response: report_pb2.GetKeyImageResponse = await self._call(
            "GetKeyImage", request, _KEY_IMAGE_STATUS
        )
        return response

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
