"""A calculator's outcome as FHIR R4 RiskAssessment JSON.

Built as JSON directly: constructing and serialising it through fhir.resources models took
about half of an Assess call (profiled over the bench/risk Bundle).
tests/test_riskassessment.py validates every shape this module writes against fhir.resources
R4B.
"""

from datetime import datetime

import orjson

from radcds_risk.assess.outcome import Outcome, Prediction
from radcds_risk.assess.registry import CalculatorSpec

CALCULATOR_SYSTEM = "https://radcds.dev/fhir/CodeSystem/risk-calculator"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
UNIT_NAMES = {"a": "years", "d": "days"}


def _prediction(prediction: Prediction) -> dict[str, object]:
    outcome: dict[str, object] = {"text": prediction.outcome}
    if prediction.outcome_snomed:
        outcome["coding"] = [{"system": SNOMED, "code": prediction.outcome_snomed}]
    item: dict[str, object] = {"outcome": outcome}
    if prediction.probability is not None:
        item["probabilityDecimal"] = round(prediction.probability, 4)
    if prediction.qualitative:
        item["qualitativeRisk"] = {
            "coding": [{"system": RISK_PROBABILITY, "code": prediction.qualitative}]
        }
    if prediction.horizon:
        value, unit = prediction.horizon
        item["whenRange"] = {
            "high": {"value": value, "unit": UNIT_NAMES[unit], "system": UCUM, "code": unit}
        }
    return item


def risk_assessment(spec: CalculatorSpec, outcome: Outcome, subject: str, as_of: datetime) -> bytes:
    """status 'preliminary': a clinician confirms every AI-derived result (design.md)."""
    resource: dict[str, object] = {
        "resourceType": "RiskAssessment",
        "status": "preliminary",
        "subject": {"reference": subject},
        "occurrenceDateTime": as_of.isoformat(),
        "method": {
            "coding": [{"system": CALCULATOR_SYSTEM, "code": spec.name, "version": spec.version}],
            "text": spec.title,
        },
        "note": [{"text": f"{outcome.summary} Source: {spec.citation}."}],
    }
    if outcome.basis:
        resource["basis"] = [{"reference": reference} for reference in outcome.basis]
    if outcome.prediction:
        resource["prediction"] = [_prediction(outcome.prediction)]
    if outcome.mitigation:
        resource["mitigation"] = outcome.mitigation
    return orjson.dumps(resource)
