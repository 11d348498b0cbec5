"""The patient page's content: AI findings over time, risks, reports, models."""

from dataclasses import dataclass, field
from typing import Any

from radcds_gateway.web import fhir_text as t
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.fhir_reader import FhirReader, Resource
from radcds_gateway.web.sessions import WebSession

SKIPPED_COMPONENTS = {"triage-priority", "key-image", "segmentation"}


@dataclass
class Model:
    name: str
    version: str
    notes: list[str]
    page: str


@dataclass
class Finding:
    id: str
    title: str
    issued: str
    status: str
    priority: str
    measurements: list[tuple[str, str]]
    model: Model | None
    key_image_uids: list[str]
    in_context: bool
    # The report listing this finding among its results: the key image viewer's source.
    report_id: str | None = None
    # The risk scores computed from this finding, for the card's headline.
    risks: list["Risk"] = field(default_factory=list)


@dataclass
class Risk:
    method: str
    outcome: str
    probability: str
    qualitative: str
    basis: list[str]
    notes: list[str]
    basis_refs: frozenset[str] = frozenset()


@dataclass
class PatientPage:
    patient_name: str
    findings: list[Finding]
    risks: list[Risk]
    reports: list[dict[str, Any]] = field(default_factory=list)


def page_patient(session: WebSession) -> str:
    """The patient of the launch, refused when the token is confined to another one."""
    if session.context is None:
        raise PageError(400, "Open a patient from the EHR or from the worklist.")
    patient = session.context.patient
    confined_to = session.token.patient_restriction("Observation", "search")
    if confined_to is not None and confined_to != patient:
        raise PageError(403, "This link is for a patient outside your sign-in.")
    return patient


async def _model(reader: FhirReader, reference: str, cache: dict[str, Model]) -> Model | None:
    if not reference:
        return None
    if reference not in cache:
        device = await reader.read(reference)
        names = device.get("deviceName", [])
        versions = device.get("version", [])
        cache[reference] = Model(
            name=str(names[0]["name"]) if names else reference,
            version=str(versions[0].get("value", "")) if versions else "",
            notes=[str(n.get("text", "")) for n in device.get("note", [])],
            page=f"/app/models/{device['id']}",
        )
    return cache[reference]


def _measurements(observation: Resource) -> list[tuple[str, str]]:
    rows = []
    for component in observation.get("component", []):
        codes = t.codes_of(component.get("code"), t.FINDING_SYSTEM)
        if codes and codes[0] in SKIPPED_COMPONENTS:
            continue
        rows.append((t.concept_text(component.get("code")), t.value_text(component)))
    return rows


def _key_images(observation: Resource) -> list[str]:
    return [
        str(c.get("valueString"))
        for c in observation.get("component", [])
        if "key-image" in t.codes_of(c.get("code"), t.FINDING_SYSTEM)
    ]


async def describe_finding(
    reader: FhirReader, obs: Resource, subjects: tuple[str, ...], models: dict[str, Model]
) -> Finding:
    """An AI finding as the pages show it; `subjects` are the launch's, `models` a cache of
    the Device resources already read."""
    studies = {d.get("reference") for d in obs.get("derivedFrom", [])}
    return Finding(
        id=str(obs["id"]),
        title=t.concept_text(obs.get("code")),
        issued=t.when_text(obs.get("issued") or obs.get("effectiveDateTime")),
        status=str(obs.get("status", "")),
        priority=t.PRIORITY_LABEL.get(t.priority_code(obs), "Routine"),
        measurements=_measurements(obs),
        model=await _model(reader, obs.get("device", {}).get("reference", ""), models),
        key_image_uids=_key_images(obs),
        in_context=f"Observation/{obs['id']}" in subjects or bool(studies & set(subjects)),
    )


async def _input_text(reader: FhirReader, reference: str, cache: dict[str, str]) -> str:
    """What a risk score was computed from, in words: "Glasgow coma score total: 11"."""
    if reference not in cache:
        try:
            resource = await reader.read(reference)
        except PageError:
            return reference.partition("/")[0] or "an input radcds cannot show"
        if resource["resourceType"] == "Patient":
            cache[reference] = "Patient record (demographics)"
        else:
            name, value = t.concept_text(resource.get("code")), t.value_text(resource)
            cache[reference] = f"{name}: {value}" if value else name
    return cache[reference]


async def _basis(reader: FhirReader, assessment: Resource, cache: dict[str, str]) -> list[str]:
    return [
        str(b.get("display")) if b.get("display")
        else await _input_text(reader, str(b.get("reference", "")), cache)
        for b in assessment.get("basis", [])
    ]  # fmt: skip


def _risk(assessment: Resource, basis: list[str]) -> Risk:
    refs = frozenset(str(b.get("reference", "")) for b in assessment.get("basis", []))
    prediction = (assessment.get("prediction") or [{}])[0]
    probability = prediction.get("probabilityDecimal")
    method = assessment.get("method") or {}
    return Risk(
        method=t.concept_text(method) or t.concept_text(assessment.get("code")),
        outcome=t.concept_text(prediction.get("outcome")),
        probability=f"{probability:.1%}" if isinstance(probability, float) else "",
        qualitative=t.concept_text(prediction.get("qualitativeRisk")),
        basis=basis,
        notes=[str(n.get("text", "")) for n in assessment.get("note", [])],
        basis_refs=refs,
    )


async def patient_page(reader: FhirReader, session: WebSession) -> PatientPage:
    patient = page_patient(session)
    subject = {"subject": f"Patient/{patient}"}
    record = await reader.read(f"Patient/{patient}")
    observations = await reader.search("Observation", {**subject, "category": "imaging"})
    ai = [o for o in observations if t.codes_of(o.get("code"), t.FINDING_SYSTEM)]
    ai.sort(key=lambda o: str(o.get("issued", "")), reverse=True)
    subjects = session.context.subjects if session.context else ()
    models: dict[str, Model] = {}
    findings = [await describe_finding(reader, o, subjects, models) for o in ai]
    inputs: dict[str, str] = {}
    assessments = await reader.search("RiskAssessment", subject)
    risks = [_risk(r, await _basis(reader, r, inputs)) for r in assessments]
    reports = await reader.search("DiagnosticReport", subject)
    _link(findings, risks, reports)
    return PatientPage(t.human_name(record), findings, risks, [_report_row(r) for r in reports])


def _link(findings: list[Finding], risks: list[Risk], reports: list[Resource]) -> None:
    """Each finding's newest report (its key images) and the risks computed from it."""
    reports = sorted(reports, key=lambda r: str(r.get("issued", "")))
    for finding in findings:
        reference = f"Observation/{finding.id}"
        for report in reports:
            if reference in {r.get("reference") for r in report.get("result", [])}:
                finding.report_id = str(report["id"])
        finding.risks = [r for r in risks if reference in r.basis_refs]


def _report_row(report: Resource) -> dict[str, Any]:
    return {
        "id": report["id"],
        "title": t.concept_text(report.get("code")),
        "status": report.get("status", ""),
        "issued": t.when_text(report.get("issued")),
        "conclusion": report.get("conclusion", ""),
        "version": report.get("meta", {}).get("versionId", ""),
    }
