"""Runners for suspected intracranial haemorrhage: ICH score and the anticoagulation alert."""

from datetime import timedelta

from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Inputs, Outcome, Prediction, Status, not_applicable
from radcds_risk.calculators.anticoagulation import (
    ActiveAnticoagulant,
    AnticoagulantClass,
    anticoagulation_alert,
)
from radcds_risk.calculators.ich import ich_score
from radcds_risk.fhir import codes
from radcds_risk.fhir.units import UNITLESS
from radcds_risk.findings import IchFinding

DEATH = "419620001"
ANTICOAGULANT_CLASSES = (
    (codes.VITAMIN_K_ANTAGONISTS, AnticoagulantClass.VITAMIN_K_ANTAGONIST),
    (codes.DIRECT_THROMBIN_INHIBITORS, AnticoagulantClass.DIRECT_THROMBIN_INHIBITOR),
    (codes.FACTOR_XA_INHIBITORS, AnticoagulantClass.FACTOR_XA_INHIBITOR),
    (codes.UNFRACTIONATED_HEPARIN, AnticoagulantClass.UNFRACTIONATED_HEPARIN),
    (codes.LOW_MOLECULAR_WEIGHT_HEPARINS, AnticoagulantClass.LOW_MOLECULAR_WEIGHT_HEPARIN),
    (codes.PENTASACCHARIDES, AnticoagulantClass.PENTASACCHARIDE),
)


def _suspected_or_why_not(ctx: AssessmentContext) -> IchFinding | Outcome:
    finding = ctx.suspected_ich()
    if finding is not None:
        return finding
    if not ctx.findings.ich:
        return not_applicable("No intracranial haemorrhage finding.")
    if all(f.probability is None for f in ctx.findings.ich):
        inputs = Inputs()
        for f in ctx.findings.ich:
            inputs.need("ich_probability", None, f"{f.reference} has no probability component")
        return inputs.missing_outcome("ICH assessment")
    return not_applicable("Haemorrhage probability below the alert threshold.")


def _ich_alert(points: int) -> AlertLevel:
    if points >= 3:
        return AlertLevel.CRITICAL
    return AlertLevel.WARNING if points >= 1 else AlertLevel.INFO


def run_ich_score(ctx: AssessmentContext) -> Outcome:
    finding = _suspected_or_why_not(ctx)
    if isinstance(finding, Outcome):
        return finding
    inputs = Inputs()
    inputs.cite(finding.reference)
    where = f"not in finding {finding.reference}"
    lookback = timedelta(hours=ctx.settings.risk_lookback_gcs_hours)
    gcs = inputs.take(
        ctx.record.latest_quantity("gcs", codes.GCS_TOTAL, UNITLESS, ctx.as_of, lookback)
    )
    age = inputs.take(ctx.record.age_years(ctx.as_of))
    volume = inputs.need("ich_volume_ml", finding.volume_ml, where)
    ivh = inputs.need("intraventricular_extension", finding.intraventricular, where)
    infra = inputs.need("infratentorial", finding.infratentorial, where)
    if gcs is None or age is None or volume is None or ivh is None or infra is None:
        return inputs.missing_outcome("ICH score")
    score = ich_score(
        gcs=round(gcs),
        age_years=age,
        volume_ml=volume,
        intraventricular=ivh,
        infratentorial=infra,
    )
    mortality = score.thirty_day_mortality
    shown = f"{mortality:.0%}" if mortality is not None else "no patient in the source cohort"
    return Outcome(
        Status.COMPUTED,
        f"ICH score {score.points}/6: observed 30-day mortality {shown} (Hemphill 2001).",
        alert=_ich_alert(score.points),
        basis=tuple(inputs.basis),
        prediction=Prediction(
            "Death within 30 days",
            DEATH,
            probability=mortality,
            qualitative=None if mortality is not None else "high",
            horizon=(30, "d"),
        ),
    )


def active_anticoagulants(ctx: AssessmentContext, inputs: Inputs) -> list[ActiveAnticoagulant]:
    drugs = []
    for value_set, drug_class in ANTICOAGULANT_CLASSES:
        for reference, ingredient in ctx.record.active_medications(value_set):
            inputs.cite(reference)
            drugs.append(ActiveAnticoagulant(ingredient, drug_class))
    return drugs


def run_anticoagulation_alert(ctx: AssessmentContext) -> Outcome:
    finding = _suspected_or_why_not(ctx)
    if isinstance(finding, Outcome):
        return finding
    inputs = Inputs()
    inputs.cite(finding.reference)
    drugs = active_anticoagulants(ctx, inputs)
    inr = None
    if any(d.drug_class is AnticoagulantClass.VITAMIN_K_ANTAGONIST for d in drugs):
        lookback = ctx.days(ctx.settings.risk_lookback_inr_days)
        inr = inputs.take(
            ctx.record.latest_quantity("inr", codes.INR, UNITLESS, ctx.as_of, lookback)
        )
    alert = anticoagulation_alert(drugs=drugs, latest_inr=inr)
    qualitative = "high" if alert.level is AlertLevel.CRITICAL else "low"
    return Outcome(
        Status.COMPUTED,
        alert.summary,
        alert=alert.level,
        missing=tuple(inputs.missing),
        basis=tuple(inputs.basis),
        prediction=Prediction("Haematoma expansion on anticoagulation", qualitative=qualitative),
    )
