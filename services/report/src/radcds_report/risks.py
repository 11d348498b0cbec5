"""Asking the risk service for every score the record and the findings support."""

import json
from dataclasses import dataclass
from typing import Any

from radcds.risk.v1 import risk_pb2, risk_pb2_grpc

from radcds_report.content import RiskLine

Resource = dict[str, Any]


@dataclass(frozen=True)
class Assessment:
    lines: list[RiskLine]
    risk_assessments: list[tuple[str, Resource]]  # (calculator, RiskAssessment)


def _line(result: risk_pb2.CalculatorResult, assessment: Resource | None) -> RiskLine:
    level = risk_pb2.AlertLevel.Name(result.alert_level).removeprefix("ALERT_LEVEL_").lower()
    summary = result.summary
    if result.status == risk_pb2.RESULT_STATUS_MISSING_INPUT:
        missing = ", ".join(m.name for m in result.missing_inputs)
        summary = f"Not computed: missing {missing}."
    return RiskLine(_title(result.calculator, assessment), summary, level, result.citation)


def _title(calculator: str, assessment: Resource | None) -> str:
    """The score's name for readers (the RiskAssessment's method.text, e.g. "ICH score
    (30-day mortality)"); the calculator's code when nothing was computed."""
    method = (assessment or {}).get("method", {})
    if isinstance(method, dict) and method.get("text"):
        return str(method["text"])
    return calculator


async def assess(
    risk: "risk_pb2_grpc.RiskServiceAsyncStub",
    record: Resource,
    findings: list[Resource],
    timeout_s: float,
) -> Assessment:
    reply = await risk.Assess(
        risk_pb2.AssessRequest(
            patient_bundle=json.dumps(record).encode(),
            findings=[json.dumps(f).encode() for f in findings],
        ),
        timeout=timeout_s,
    )
    shown = [
        (r, json.loads(r.risk_assessment) if r.risk_assessment else None)
        for r in reply.results
        if r.status != risk_pb2.RESULT_STATUS_NOT_APPLICABLE
    ]
    return Assessment(
        lines=[_line(r, assessment) for r, assessment in shown],
        risk_assessments=[
            (r.calculator, assessment)
            for r, assessment in shown
            if r.status == risk_pb2.RESULT_STATUS_COMPUTED and assessment is not None
        ],
    )
