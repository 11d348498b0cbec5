"""The risk service's Assess over gRPC, with a deadline (protos/radcds/risk/v1/risk.proto)."""

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc
import orjson
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc

ALERTS = {
    risk_pb2.ALERT_LEVEL_INFO: "info",
    risk_pb2.ALERT_LEVEL_WARNING: "warning",
    risk_pb2.ALERT_LEVEL_CRITICAL: "critical",
}


class RiskUnavailable(Exception):
    """The risk service did not answer in time, or answered with an error."""


class RiskRejected(RiskUnavailable):
    """The risk service found the input invalid (INVALID_ARGUMENT), e.g. an uncoded order."""


@dataclass(frozen=True)
class RiskResult:
    calculator: str
    version: str
    computed: bool
    # "info", "warning", "critical", or None for no alert.
    alert: str | None
    summary: str
    citation: str
    risk_assessment: dict[str, Any] | None
    missing_inputs: tuple[str, ...]


def _result(message: risk_pb2.CalculatorResult) -> RiskResult:
    assessment = orjson.loads(message.risk_assessment) if message.risk_assessment else None
    return RiskResult(
        calculator=message.calculator,
        version=message.version,
        computed=message.status == risk_pb2.RESULT_STATUS_COMPUTED,
        alert=ALERTS.get(message.alert_level),
        summary=message.summary,
        citation=message.citation,
        risk_assessment=assessment if isinstance(assessment, dict) else None,
        missing_inputs=tuple(m.name for m in message.missing_inputs),
    )


class RiskClient:
    """A grpc.aio channel opened on first use, inside the event loop that uses it."""

    def __init__(self, address: str, deadline_s: float) -> None:
        self._address = address
        self._deadline_s = deadline_s
        self._channel: grpc.aio.Channel | None = None
        self._stub: risk_pb2_grpc.RiskServiceStub | None = None

    def _risk(self) -> risk_pb2_grpc.RiskServiceStub:
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self._address)
            self._stub = risk_pb2_grpc.RiskServiceStub(self._channel)
        return self._stub

    async def assess(
        self,
        patient_bundle: dict[str, Any],
        findings: Sequence[dict[str, Any]],
        calculators: Sequence[str],
        draft_order: dict[str, Any] | None = None,
    ) -> list[RiskResult]:
        request = risk_pb2.AssessRequest(
            patient_bundle=orjson.dumps(patient_bundle),
            findings=[orjson.dumps(f) for f in findings],
            calculators=list(calculators),
            draft_order=orjson.dumps(draft_order) if draft_order else b"",
        )
        try:
            call = self._risk().Assess(request, timeout=self._deadline_s)
            response = await cast(Awaitable[risk_pb2.AssessResponse], call)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                # The reason may quote the record: it goes back to the caller, never to logs.
                raise RiskRejected(error.details() or "invalid input") from None
            raise RiskUnavailable(error.code().name) from None
        return [_result(r) for r in response.results]

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel, self._stub = None, None
