"""radcds.risk.v1.RiskService over grpc.aio."""

import asyncio
import logging
import time
from datetime import UTC

import grpc
from radcds.risk.v1 import risk_pb2, risk_pb2_grpc

from radcds_risk.assess.outcome import Status
from radcds_risk.assess.registry import CALCULATORS
from radcds_risk.assessor import Assessor, CalculatorResult, InvalidRequest

log = logging.getLogger(__name__)

STATUS = {
    Status.COMPUTED: risk_pb2.RESULT_STATUS_COMPUTED,
    Status.MISSING_INPUT: risk_pb2.RESULT_STATUS_MISSING_INPUT,
    Status.NOT_APPLICABLE: risk_pb2.RESULT_STATUS_NOT_APPLICABLE,
}
# Requests larger than this are assessed off the event loop so health checks keep answering.
INLINE_BYTES = 256 * 1024


def to_proto(result: CalculatorResult) -> risk_pb2.CalculatorResult:
    outcome = result.outcome
    return risk_pb2.CalculatorResult(
        calculator=result.spec.name,
        version=result.spec.version,
        status=STATUS[outcome.status],
        alert_level=risk_pb2.AlertLevel.Value(f"ALERT_LEVEL_{outcome.alert.name}"),
        summary=outcome.summary,
        risk_assessment=result.risk_assessment or b"",
        missing_inputs=[
            risk_pb2.MissingInput(name=m.name, reason=m.reason) for m in outcome.missing
        ],
        citation=result.spec.citation,
    )


class RiskServicer(risk_pb2_grpc.RiskServiceServicer):
    def __init__(self, assessor: Assessor) -> None:
        self._assessor = assessor

    def _assess(self, request: risk_pb2.AssessRequest) -> list[CalculatorResult]:
        as_of = request.as_of.ToDatetime(tzinfo=UTC) if request.HasField("as_of") else None
        return self._assessor.assess(
            request.patient_bundle,
            list(request.findings),
            calculators=list(request.calculators),
            as_of=as_of,
            draft_order=request.draft_order,
        )

    async def Assess(
        self, request: risk_pb2.AssessRequest, context: grpc.aio.ServicerContext[object, object]
    ) -> risk_pb2.AssessResponse:
        started = time.perf_counter()
        try:
            if request.ByteSize() > INLINE_BYTES:
                results = await asyncio.to_thread(self._assess, request)
            else:
                results = self._assess(request)
        except InvalidRequest as error:
            # The message may quote the record (a date, a code); it goes to the caller only.
            log.info("assess rejected", extra={"error": type(error).__name__})
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        except Exception as error:
            log.error("assess failed", extra={"error": type(error).__name__})
            await context.abort(grpc.StatusCode.INTERNAL, "risk assessment failed")
        log.info(
            "assessed",
            extra={
                "calculators": len(results),
                "computed": sum(r.outcome.status is Status.COMPUTED for r in results),
                "elapsed_ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )
        return risk_pb2.AssessResponse(results=[to_proto(r) for r in results])

    async def ListCalculators(
        self,
        request: risk_pb2.ListCalculatorsRequest,
        context: grpc.aio.ServicerContext[object, object],
    ) -> risk_pb2.ListCalculatorsResponse:
        return risk_pb2.ListCalculatorsResponse(
            calculators=[
                risk_pb2.Calculator(
                    name=spec.name,
                    version=spec.version,
                    title=spec.title,
                    citation=spec.citation,
                    inputs=list(spec.inputs),
                    outputs=list(spec.outputs),
                )
                for spec in CALCULATORS
            ]
        )
