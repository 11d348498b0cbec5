"""The cards radcds sends: AI findings with their risk, order checks, and the degraded card.

Content comes from the risk service's results and the findings themselves; every card says
it is a preliminary AI result (design.md: a human always makes the final call).
"""

from typing import Any

from radcds_gateway.cds import record
from radcds_gateway.cds.card_parts import PRELIMINARY, CardDraft, ModelVersion, highest, topic
from radcds_gateway.cds.card_parts import suggestion as make_suggestion
from radcds_gateway.cds.findings import PatientFindings, finding_code
from radcds_gateway.cds.risk_client import RiskResult

Resource = dict[str, Any]
ICH, NODULE = "intracranial-hemorrhage", "lung-nodule"
# LOINC 24627-2: CT Chest.
CT_CHEST = {"system": "http://loinc.org", "code": "24627-2", "display": "CT Chest"}
CARDIO_CALCULATORS = ("pce_ascvd_10y", "cha2ds2_vasc")


def _by_name(results: list[RiskResult]) -> dict[str, RiskResult]:
    return {r.calculator: r for r in results}


def _indicator(results: list[RiskResult | None], fallback: str) -> str:
    alerts = [r.alert for r in results if r is not None and r.computed and r.alert]
    return highest(alerts) if alerts else fallback


def _finding(observations: list[Resource], code: str, cited: list[str]) -> Resource | None:
    matching = [o for o in observations if finding_code(o) == code]
    for observation in matching:
        if f"Observation/{observation.get('id')}" in cited:
            return observation
    return matching[0] if matching else None


def _lines(*results: RiskResult | None) -> list[str]:
    lines = []
    for result in results:
        if result is None or (not result.computed and not result.missing_inputs):
            continue
        lines.append(f"- {result.summary}")
    citations = sorted({r.citation for r in results if r is not None and r.computed})
    if citations:
        lines += ["", "*Sources:* " + "; ".join(citations)]
    return lines


def _subjects(observation: Resource) -> list[str]:
    studies = [d.get("reference") for d in observation.get("derivedFrom") or []]
    return [f"Observation/{observation.get('id')}", *[s for s in studies if isinstance(s, str)]]


def ich_card(
    findings: PatientFindings, results: dict[str, RiskResult], record_refs: dict[str, Resource]
) -> CardDraft | None:
    score, alert = results.get("ich_score"), results.get("anticoagulation_ich_alert")
    cited = record.basis(score) + record.basis(alert)
    observation = _finding(findings.observations, ICH, cited)
    shown = [r for r in (score, alert) if r and (r.computed or r.missing_inputs)]
    if observation is None or not shown:
        return None
    volume = record.quantity(observation, "ich-volume")
    drugs = [record.medication_name(record_refs.get(ref, {})) for ref in record.basis(alert)]
    drug_names = [d for d in drugs if d]
    ivh = _yes_no(record.flag(observation, "ich-intraventricular-extension"))
    infratentorial = _yes_no(record.flag(observation, "ich-infratentorial"))
    summary = f"Preliminary AI: suspected ICH, {record.number(volume, 'mL')}"
    summary += f", {record.ich_score_points(score) or 'ICH score not calculated'}"
    if drug_names:
        summary += f", on {', '.join(drug_names)}"
    detail = [
        PRELIMINARY,
        "",
        "**Finding:** suspected intracranial haemorrhage; "
        f"volume {record.number(volume, 'mL')}; "
        f"probability {record.number(record.quantity(observation, 'ich-probability'))}; "
        f"intraventricular extension: {ivh}; infratentorial: {infratentorial}.",
        "",
        *_lines(score, alert),
    ]
    return CardDraft(
        summary=summary,
        indicator=_indicator([score, alert], "warning"),
        detail="\n".join(detail),
        model=record.model_of(observation, findings.devices),
        topic=topic(ICH, "Suspected intracranial haemorrhage"),
        subjects=_subjects(observation),
    )


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def nodule_card(
    patient_id: str, findings: PatientFindings, results: dict[str, RiskResult]
) -> CardDraft | None:
    brock, follow_up = results.get("brock_pancan"), results.get("fleischner_2017")
    observation = _finding(findings.observations, NODULE, record.basis(brock))
    shown = [r for r in (brock, follow_up) if r and (r.computed or r.missing_inputs)]
    if observation is None or not shown:
        return None
    diameter = record.quantity(observation, "nodule-diameter")
    summary = f"Preliminary AI: lung nodule {record.number(diameter, 'mm')}"
    malignancy = record.probability(brock)
    if malignancy is not None:
        summary += f", Brock malignancy {malignancy:.1%}"
    detail = [
        PRELIMINARY,
        "",
        f"**Finding:** lung nodule {record.number(diameter, 'mm')}, "
        f"{record.concept_code(observation, 'nodule-type') or 'type unknown'}, "
        f"lobe {record.concept_code(observation, 'nodule-lobe') or 'unknown'}.",
        "",
        *_lines(brock, follow_up),
    ]
    return CardDraft(
        summary=summary,
        indicator=_indicator([brock, follow_up], "info"),
        detail="\n".join(detail),
        model=record.model_of(observation, findings.devices),
        topic=topic(NODULE, "Lung nodule"),
        suggestions=_follow_up_suggestion(patient_id, follow_up),
        subjects=_subjects(observation),
    )


def _follow_up_suggestion(patient_id: str, follow_up: RiskResult | None) -> list[Resource]:
    """Fleischner 2017 follow-up as a proposed ServiceRequest for the clinician to accept."""
    assessment = follow_up.risk_assessment if follow_up and follow_up.alert else None
    advice = (assessment or {}).get("mitigation")
    if not isinstance(advice, str) or not advice:
        return []
    order = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "subject": {"reference": f"Patient/{patient_id}"},
        "code": {"coding": [CT_CHEST], "text": "CT chest, nodule follow-up (Fleischner 2017)"},
        "note": [{"text": f"Fleischner 2017: {advice} (radcds preliminary AI result)"}],
    }
    action = {"type": "create", "description": f"Propose follow-up: {advice}", "resource": order}
    return [make_suggestion("Order the Fleischner follow-up CT", [action], recommended=True)]


def risk_cards(results: dict[str, RiskResult]) -> list[CardDraft]:
    cards = []
    for name in CARDIO_CALCULATORS:
        result = results.get(name)
        if result is None or not result.computed or not result.alert:
            continue
        cards.append(
            CardDraft(
                summary=f"Preliminary AI: {result.summary}",
                indicator=result.alert,
                detail="\n".join([PRELIMINARY, "", *_lines(result)]),
                model=record.calculator_model(result),
                topic=topic(name, "Cardiovascular risk"),
                links=False,
            )
        )
    return cards


def patient_view_cards(
    patient_id: str,
    findings: PatientFindings,
    results: list[RiskResult],
    record_resources: list[Resource],
) -> list[CardDraft]:
    named = _by_name(results)
    refs = record.by_reference(record_resources)
    cards = [ich_card(findings, named, refs), nodule_card(patient_id, findings, named)]
    return [c for c in cards if c is not None] + risk_cards(named)


def unavailable_card() -> CardDraft:
    """The degraded answer: said plainly, never a 5xx."""
    return CardDraft(
        summary="AI results are unavailable right now",
        indicator="info",
        detail=(
            "radcds could not gather the AI findings and risk scores in time. This does not "
            "mean there are none; open the chart again later or check the imaging report."
        ),
        model=ModelVersion("AI results", "unavailable", "status"),
        topic=topic("service-status", "radcds status"),
        links=False,
    )
