"""HAS-BLED runner (Pisters 2010) for patients with atrial fibrillation."""

from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Inputs, Outcome, Prediction, Status, not_applicable
from radcds_risk.calculators.atrial_fibrillation import (
    HAS_BLED_BLEEDS_PER_100_PATIENT_YEARS,
    HAS_BLED_HIGH_RISK,
    HasBledInputs,
    has_bled,
)
from radcds_risk.fhir import codes
from radcds_risk.fhir.units import BLOOD_PRESSURE, CREATININE, UNITLESS

# Pisters 2010: uncontrolled hypertension is systolic > 160 mm Hg; abnormal renal function
# includes serum creatinine >= 200 umol/L (2.26 mg/dL); labile INR is < 60% time in range.
UNCONTROLLED_SBP = 160.0
ABNORMAL_CREATININE_MG_DL = 200 / 88.42
LABILE_TIME_IN_RANGE = 0.60
THERAPEUTIC_INR = (2.0, 3.0)
# Fewest INRs, over LABILE_INR_DAYS, from which the fraction in range is taken.
MIN_INRS = 3
LABILE_INR_DAYS = 180


def _labile_inr(ctx: AssessmentContext, inputs: Inputs) -> bool | None:
    """Fraction of INRs in range over 6 months, for a patient on a vitamin K antagonist."""
    if not inputs.flag([r for r, _ in ctx.record.active_medications(codes.VITAMIN_K_ANTAGONISTS)]):
        return False
    readings = ctx.record.readings(codes.INR, ctx.as_of, ctx.days(LABILE_INR_DAYS))
    quantities = [r.quantity for r in readings]
    values = [v for q in quantities if q and (v := UNITLESS.convert(q.value, q.unit)) is not None]
    if len(values) < MIN_INRS:
        reason = f"on a vitamin K antagonist with {len(values)} INRs in {LABILE_INR_DAYS} days"
        return inputs.need("labile_inr", None, reason)
    inputs.cite(*(r.view.reference for r in readings))
    low, high = THERAPEUTIC_INR
    in_range = sum(low <= v <= high for v in values) / len(values)
    return in_range < LABILE_TIME_IN_RANGE


def _renal(ctx: AssessmentContext, inputs: Inputs) -> bool | None:
    conditions = ctx.record.conditions(codes.DIALYSIS) + ctx.record.conditions(
        codes.RENAL_TRANSPLANT, history=True
    )
    if inputs.flag(conditions):
        return True
    lookback = ctx.days(ctx.settings.risk_lookback_vitals_days)
    creatinine = inputs.take(
        ctx.record.latest_quantity("creatinine", codes.CREATININE, CREATININE, ctx.as_of, lookback)
    )
    return None if creatinine is None else creatinine >= ABNORMAL_CREATININE_MG_DL


def run_has_bled(ctx: AssessmentContext) -> Outcome:
    inputs = Inputs()
    if not inputs.flag(ctx.record.conditions(codes.ATRIAL_FIBRILLATION, history=True)):
        return not_applicable("No atrial fibrillation recorded.")
    lookback = ctx.days(ctx.settings.risk_lookback_vitals_days)
    record = ctx.record
    age = inputs.take(record.age_years(ctx.as_of))
    sbp = inputs.take(
        record.latest_quantity(
            "systolic_bp", codes.SYSTOLIC_BP, BLOOD_PRESSURE, ctx.as_of, lookback
        )
    )
    renal, labile = _renal(ctx, inputs), _labile_inr(ctx, inputs)
    if age is None or sbp is None or renal is None or labile is None:
        return inputs.missing_outcome("HAS-BLED")
    drugs = [r for r, _ in record.active_medications(codes.ANTIPLATELETS_AND_NSAIDS)]
    score = has_bled(
        HasBledInputs(
            uncontrolled_hypertension=sbp > UNCONTROLLED_SBP,
            abnormal_renal_function=renal,
            abnormal_liver_function=inputs.flag(record.conditions(codes.LIVER_DISEASE)),
            stroke=inputs.flag(record.conditions(codes.STROKE_TIA_THROMBOEMBOLISM, history=True)),
            bleeding_history_or_predisposition=inputs.flag(
                record.conditions(codes.BLEEDING, history=True)
            ),
            labile_inr=labile,
            elderly=age > 65,
            drugs=inputs.flag(drugs),
            alcohol=inputs.flag(record.conditions(codes.ALCOHOL_EXCESS)),
        )
    )
    rate = HAS_BLED_BLEEDS_PER_100_PATIENT_YEARS.get(score)
    shown = f"{rate:.2f} bleeds/100 patient-years" if rate is not None else "rate not published"
    high = score >= HAS_BLED_HIGH_RISK
    return Outcome(
        Status.COMPUTED,
        f"HAS-BLED {score}/9 ({'high' if high else 'not high'} bleeding risk; {shown}; "
        "Pisters 2010).",
        alert=AlertLevel.WARNING if high else AlertLevel.INFO,
        basis=tuple(inputs.basis),
        prediction=Prediction(
            "Major bleeding",
            probability=rate / 100 if rate is not None else None,
            qualitative=None if rate is not None else "high",
            horizon=(1, "a"),
        ),
    )
