"""One Assess call: parse the inputs, run the calculators asked for, build the results."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Outcome, Status
from radcds_risk.assess.registry import BY_NAME, CALCULATORS, CalculatorSpec
from radcds_risk.fhir.elements import InvalidFhir
from radcds_risk.fhir.lookup import Missing
from radcds_risk.fhir.order import parse_draft_order
from radcds_risk.fhir.record import PatientRecord
from radcds_risk.findings import parse_findings
from radcds_risk.riskassessment import risk_assessment
from radcds_risk.settings import RiskSettings


class InvalidRequest(ValueError):
    """The request cannot be assessed as sent; the message says why."""


@dataclass(frozen=True)
class CalculatorResult:
    spec: CalculatorSpec
    outcome: Outcome
    # FHIR R4 RiskAssessment JSON, when computed.
    risk_assessment: bytes | None


class Assessor:
    def __init__(self, settings: RiskSettings) -> None:
        self._settings = settings

    def _chosen(self, names: list[str]) -> list[CalculatorSpec]:
        unknown = sorted(set(names) - BY_NAME.keys())
        if unknown:
            raise InvalidRequest(f"unknown calculators: {', '.join(unknown)}")
        return [BY_NAME[name] for name in dict.fromkeys(names)] if names else list(CALCULATORS)

    def _context(
        self, bundle: bytes, findings: list[bytes], as_of: datetime | None, order: bytes
    ) -> AssessmentContext:
        limit = self._settings.risk_max_bundle_bytes
        if len(bundle) > limit or sum(map(len, findings)) > limit:
            raise InvalidRequest(f"patient bundle or findings exceed {limit} bytes")
        if not bundle:
            raise InvalidRequest("patient_bundle is empty")
        try:
            return AssessmentContext(
                record=PatientRecord.from_json(bundle),
                findings=parse_findings(findings),
                as_of=as_of or datetime.now(UTC),
                order=parse_draft_order(order) if order else None,
                settings=self._settings,
            )
        except InvalidFhir as error:
            raise InvalidRequest(str(error)) from error

    def assess(
        self,
        bundle: bytes,
        findings: list[bytes],
        *,
        calculators: Sequence[str] = (),
        as_of: datetime | None = None,
        draft_order: bytes = b"",
    ) -> list[CalculatorResult]:
        specs = self._chosen(list(calculators))
        ctx = self._context(bundle, findings, as_of, draft_order)
        return [self._run(spec, ctx) for spec in specs]

    def _run(self, spec: CalculatorSpec, ctx: AssessmentContext) -> CalculatorResult:
        try:
            outcome = spec.run(ctx)
        except ValueError as error:
            # An input present but invalid (e.g. a GCS of 20): reported, never guessed around.
            invalid = Missing("valid input", str(error))
            outcome = Outcome(
                Status.MISSING_INPUT, f"{spec.title}: invalid input.", missing=(invalid,)
            )
        document = None
        if outcome.status is Status.COMPUTED:
            subject = ctx.record.patient_reference or ""
            document = risk_assessment(spec, outcome, subject, ctx.as_of)
        return CalculatorResult(spec, outcome, document)
