"""Every RiskAssessment the service writes is valid FHIR R4 (fhir.resources R4B)."""

import json

from fhir.resources.R4B.riskassessment import RiskAssessment
from radcds_risk import examples as ex
from radcds_risk.assess.outcome import Status
from radcds_risk.assessor import Assessor
from radcds_risk.settings import RiskSettings

NOW = ex.REFERENCE_TIME
ORDER = {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://loinc.org", "code": "30799-1",
                              "display": "CT Head W contrast IV"}]}}  # fmt: skip


def _all_results() -> list[tuple[str, bytes]]:
    findings = [ex.ich_finding(0.9, 35, True, False),
                ex.nodule_finding("n1", 9, "RUL", "part-solid", True)]  # fmt: skip
    results = Assessor(RiskSettings()).assess(
        json.dumps(ex.typical_record(NOW)).encode(),
        [json.dumps(f).encode() for f in findings],
        as_of=NOW,
        draft_order=json.dumps(ORDER).encode(),
    )
    assert all(r.outcome.status is Status.COMPUTED for r in results)
    return [(r.spec.name, r.risk_assessment or b"") for r in results]


def test_every_calculator_writes_a_valid_risk_assessment() -> None:
    results = _all_results()
    assert len(results) == 10
    for name, document in results:
        assessment = RiskAssessment.model_validate_json(document)
        assert assessment.status == "preliminary"
        assert assessment.subject.reference == "Patient/p1"
        assert assessment.method is not None
        assert assessment.method.coding[0].code == name  # type: ignore[index]
        assert assessment.note
        assert "Source: " in assessment.note[0].text
        if name == "fleischner_2017":
            # A follow-up recommendation, not a risk estimate: carried as mitigation.
            assert assessment.mitigation
            continue
        (prediction,) = assessment.prediction or []
        assert prediction.outcome is not None
        assert prediction.probabilityDecimal is not None or prediction.qualitativeRisk is not None
