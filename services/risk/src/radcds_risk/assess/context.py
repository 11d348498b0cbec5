"""Everything one Assess call's calculators read."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from radcds_risk.fhir.order import DraftOrder
from radcds_risk.fhir.record import PatientRecord
from radcds_risk.findings import Findings, IchFinding
from radcds_risk.settings import RiskSettings


@dataclass(frozen=True)
class AssessmentContext:
    record: PatientRecord
    findings: Findings
    as_of: datetime
    order: DraftOrder | None
    settings: RiskSettings

    def days(self, count: int) -> timedelta:
        return timedelta(days=count)

    def suspected_ich(self) -> IchFinding | None:
        """The most probable haemorrhage finding at or above the configured threshold."""
        threshold = self.settings.risk_ich_probability_threshold
        suspected = [
            f for f in self.findings.ich if f.probability is not None and f.probability >= threshold
        ]
        return max(suspected, key=lambda f: f.probability or 0.0, default=None)
