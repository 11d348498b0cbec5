"""From an ICH finding to a stored preliminary report, its risks, its documents."""

import json
import subprocess
from typing import Any

import grpc
import pytest
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.riskassessment import RiskAssessment
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2

pytestmark = pytest.mark.integration


def compose_request(suite: Any, digest: str = "result-set-1") -> report_pb2.ComposeRequest:
    s = suite.seeded
    return report_pb2.ComposeRequest(
        study_instance_uid=s["study_uid"],
        imaging_study=common_pb2.FhirReference(reference=s["study"]),
        patient=common_pb2.FhirReference(reference=s["patient"]),
        findings=[common_pb2.FhirReference(reference=s["finding"])],
        result_set_digest=digest,
    )


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


async def report_of(suite: Any) -> dict[str, Any]:
    reply = await suite.report.GetReport(
        report_pb2.GetReportRequest(study_instance_uid=suite.seeded["study_uid"])
    )
    return dict(json.loads(reply.report.diagnostic_report))


async def test_compose_stores_a_valid_preliminary_report(suite: Any) -> None:
    reply = await suite.report.Compose(compose_request(suite))
    assert not reply.duplicate
    report = await report_of(suite)
    DiagnosticReport.model_validate(report)
    assert report["status"] == "preliminary"
    assert report["subject"]["reference"] == suite.seeded["patient"]
    assert report["result"] == [{"reference": suite.seeded["finding"]}]
    assert report["conclusionCode"][0]["coding"][0]["code"] == "1386000"
    assert "Intracranial haemorrhage" in report["conclusion"]
    assert {f["contentType"] for f in report["presentedForm"]} == {"application/pdf", "text/html"}


async def test_risk_assessments_and_provenance_are_stored(suite: Any) -> None:
    await suite.report.Compose(compose_request(suite))
    patient = suite.seeded["patient"]
    risks = await suite.store.search_resources("RiskAssessment", {"subject": patient})
    methods = {r["method"]["coding"][0]["code"] for r in risks}
    assert {"ich_score", "anticoagulation_ich_alert"} <= methods
    for risk in risks:
        RiskAssessment.model_validate(risk)
    report = await report_of(suite)
    provenances = await suite.store.search_resources(
        "Provenance", {"target": f"DiagnosticReport/{report['id']}"}
    )
    assert len(provenances) == 1
    Provenance.model_validate(provenances[0])
    assert provenances[0]["agent"][0]["who"]["reference"] == suite.seeded["device"]


async def test_the_pdf_holds_the_banner_the_finding_and_the_volume(suite: Any) -> None:
    await suite.report.Compose(compose_request(suite))
    reply = await suite.report.GetReport(
        report_pb2.GetReportRequest(study_instance_uid=suite.seeded["study_uid"])
    )
    pdf = next(d.data for d in reply.report.documents if d.content_type == "application/pdf")
    text = " ".join(pdf_text(pdf).split())
    assert "AI-generated preliminary result" in text
    assert "Intracranial haemorrhage" in text
    assert "24.5 mL" in text
    assert "apixaban" in text.lower()
    assert "not for clinical use" in text


async def test_the_same_result_set_composes_once(suite: Any) -> None:
    first = await suite.report.Compose(compose_request(suite))
    again = await suite.report.Compose(compose_request(suite))
    assert again.duplicate
    assert again.diagnostic_report == first.diagnostic_report


async def test_a_new_result_set_is_a_new_version_of_the_same_report(suite: Any) -> None:
    first = await suite.report.Compose(compose_request(suite))
    second = await suite.report.Compose(compose_request(suite, digest="result-set-2"))
    assert second.diagnostic_report.reference == first.diagnostic_report.reference
    assert int(second.diagnostic_report.version_id) > int(first.diagnostic_report.version_id)
    reports = await suite.store.search_resources(
        "DiagnosticReport", {"subject": suite.seeded["patient"]}
    )
    assert len(reports) == 1


async def test_compose_without_findings_is_refused(suite: Any) -> None:
    request = compose_request(suite)
    del request.findings[:]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await suite.report.Compose(request)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
