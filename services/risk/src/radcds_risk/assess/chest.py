"""Runners for lung nodule findings: Brock (PanCan) and Fleischner 2017."""

from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Inputs, Outcome, Prediction, Status, not_applicable
from radcds_risk.calculators.brock import BrockInputs, brock_probability
from radcds_risk.calculators.fleischner import (
    MINIMUM_AGE_YEARS,
    PatientRisk,
    fleischner_2017,
    needs_patient_risk,
)
from radcds_risk.calculators.nodule_types import NoduleType
from radcds_risk.fhir import codes
from radcds_risk.findings import UPPER_LOBES, NoduleFinding

LUNG_CANCER = "363358000"
# BTS guideline for pulmonary nodules (Callister MEJ et al. Thorax. 2015;70:ii1-ii54):
# a Brock risk of 10% or more leads to PET-CT.
BROCK_PET_CT_THRESHOLD = 0.10


def _family_history(ctx: AssessmentContext, inputs: Inputs) -> bool:
    refs = ctx.record.family_history_of(codes.LUNG_CANCER)
    refs += ctx.record.conditions(codes.FAMILY_HISTORY_LUNG_CANCER, history=True)
    return inputs.flag(refs)


def _emphysema(ctx: AssessmentContext, inputs: Inputs) -> bool:
    on_ct = [n.reference for n in ctx.findings.nodules if n.emphysema]
    return inputs.flag(on_ct + ctx.record.conditions(codes.EMPHYSEMA, history=True))


def _nodule_count(ctx: AssessmentContext) -> int:
    reported = [n.count for n in ctx.findings.nodules if n.count is not None]
    return max([len(ctx.findings.nodules), *reported])


NodulePart = tuple[float, NoduleType, bool, bool]


def _nodule_part(nodule: NoduleFinding, inputs: Inputs) -> NodulePart | None:
    """(diameter, type, upper lobe, spiculation) of one nodule."""
    where = f"not in finding {nodule.reference}"
    diameter = inputs.need("nodule_diameter_mm", nodule.diameter_mm, where)
    kind = inputs.need("nodule_type", nodule.nodule_type, where)
    lobe = inputs.need("nodule_lobe", nodule.lobe, where)
    spiculation = inputs.need("nodule_spiculation", nodule.spiculation, where)
    if diameter is None or kind is None or lobe is None or spiculation is None:
        return None
    inputs.cite(nodule.reference)
    return diameter, kind, lobe in UPPER_LOBES, spiculation


def run_brock(ctx: AssessmentContext) -> Outcome:
    if not ctx.findings.nodules:
        return not_applicable("No lung nodule finding.")
    inputs = Inputs()
    age = inputs.take(ctx.record.age_years(ctx.as_of))
    sex = inputs.take(ctx.record.sex())
    parts = [_nodule_part(n, inputs) for n in ctx.findings.nodules]
    if age is None or sex is None or inputs.missing:
        return inputs.missing_outcome("Brock nodule malignancy risk")
    family, emphysema = _family_history(ctx, inputs), _emphysema(ctx, inputs)
    count = _nodule_count(ctx)
    probability = max(
        brock_probability(
            BrockInputs(
                age, sex == "female", family, emphysema, diameter, kind, upper, count, spiculated
            )
        )
        for diameter, kind, upper, spiculated in filter(None, parts)
    )
    alert = AlertLevel.WARNING if probability >= BROCK_PET_CT_THRESHOLD else AlertLevel.INFO
    return Outcome(
        Status.COMPUTED,
        f"Brock (PanCan) malignancy probability {probability:.1%} for the highest-risk nodule "
        f"of {count}.",
        alert=alert,
        basis=tuple(inputs.basis),
        prediction=Prediction("Lung cancer", LUNG_CANCER, probability=probability),
    )


def _exclusion(ctx: AssessmentContext, age: int) -> str | None:
    if age < MINIMUM_AGE_YEARS:
        return f"Fleischner 2017 applies from age {MINIMUM_AGE_YEARS}."
    if ctx.record.conditions(codes.MALIGNANCY):
        return "Fleischner 2017 does not apply to patients with a known cancer."
    if ctx.record.conditions(codes.IMMUNOSUPPRESSION):
        return "Fleischner 2017 does not apply to immunosuppressed patients."
    return None


def _patient_risk(ctx: AssessmentContext, inputs: Inputs) -> PatientRisk | None:
    """High with a family history, emphysema or any smoking history. Pack-years are not read,
    so every current or former smoker counts as high risk: the more cautious follow-up."""
    if _family_history(ctx, inputs) or _emphysema(ctx, inputs):
        return PatientRisk.HIGH
    lookback = ctx.days(ctx.settings.risk_lookback_smoking_days)
    reading = ctx.record.latest_reading(codes.SMOKING_STATUS, ctx.as_of, lookback)
    if reading is None:
        inputs.need("smoking_status", None, "no tobacco smoking status (LOINC 72166-2) recorded")
        return None
    inputs.cite(reading.view.reference)
    answer = set(reading.view.answer)
    if answer & (codes.CURRENT_SMOKER | codes.FORMER_SMOKER):
        return PatientRisk.HIGH
    if answer & codes.NEVER_SMOKER:
        return PatientRisk.LOW
    inputs.need("smoking_status", None, f"{reading.view.reference} has an unknown smoking status")
    return None


def _most_suspicious(ctx: AssessmentContext, inputs: Inputs) -> tuple[float, NoduleType] | None:
    """Fleischner 2017: with multiple nodules, the most suspicious guides management."""
    sized = []
    for n in ctx.findings.nodules:
        where = f"not in finding {n.reference}"
        diameter = inputs.need("nodule_diameter_mm", n.diameter_mm, where)
        kind = inputs.need("nodule_type", n.nodule_type, where)
        if diameter is not None and kind is not None:
            sized.append((diameter, kind, n.reference))
    if inputs.missing or not sized:
        return None
    diameter, kind, reference = max(sized, key=lambda s: (s[0], s[1] is NoduleType.PART_SOLID))
    inputs.cite(reference)
    return diameter, kind


def run_fleischner(ctx: AssessmentContext) -> Outcome:
    if not ctx.findings.nodules:
        return not_applicable("No lung nodule finding.")
    inputs = Inputs()
    age = inputs.take(ctx.record.age_years(ctx.as_of))
    nodule = _most_suspicious(ctx, inputs)
    if age is None or nodule is None:
        return inputs.missing_outcome("Fleischner 2017 recommendation")
    if (excluded := _exclusion(ctx, age)) is not None:
        return not_applicable(excluded)
    diameter, kind = nodule
    multiple = _nodule_count(ctx) > 1
    risk = None
    if needs_patient_risk(diameter, kind, multiple):
        risk = _patient_risk(ctx, inputs)
        if risk is None:
            return inputs.missing_outcome("Fleischner 2017 recommendation")
    advice = fleischner_2017(diameter_mm=diameter, nodule_type=kind, multiple=multiple, risk=risk)
    alert = AlertLevel.INFO if advice.follow_up else AlertLevel.NONE
    if kind is NoduleType.SOLID and diameter > 8:
        alert = AlertLevel.WARNING
    risk_text = f", {risk} risk patient" if risk else ""
    kind_text = kind.replace("_", "-")
    return Outcome(
        Status.COMPUTED,
        f"Fleischner 2017 ({diameter:.0f} mm {kind_text}{risk_text}): {advice.text}",
        alert=alert,
        basis=tuple(inputs.basis),
        mitigation=advice.text,
    )
