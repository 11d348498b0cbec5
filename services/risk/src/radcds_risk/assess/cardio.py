"""Runners for cardiovascular risk: pooled cohort equations, CHA2DS2-VASc, HAS-BLED."""

from radcds_risk.alerts import AlertLevel
from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Inputs, Outcome, Prediction, Status, not_applicable
from radcds_risk.calculators.atrial_fibrillation import (
    CHA2DS2_VASC_STROKE_RATE_PERCENT,
    Cha2ds2VascInputs,
    cha2ds2_vasc,
)
from radcds_risk.calculators.pce import AGE_RANGE, PceGroup, PceInputs, pooled_cohort_10y_risk
from radcds_risk.fhir import codes
from radcds_risk.fhir.lookup import Found
from radcds_risk.fhir.units import BLOOD_PRESSURE, CHOLESTEROL

STROKE = "230690007"
HARD_ASCVD = "First hard ASCVD event (nonfatal MI, CHD death, fatal or nonfatal stroke)"
# 2018 AHA/ACC cholesterol guideline (Grundy SM et al. Circulation. 2019;139:e1082-e1143):
# 10-year risk categories low < 5%, borderline 5-7.4%, intermediate 7.5-19.9%, high >= 20%.
PCE_CATEGORIES = ((0.20, "high"), (0.075, "intermediate"), (0.05, "borderline"), (0.0, "low"))


def pce_group(sex: str, race: str) -> PceGroup:
    """Goff 2013 advises the white equations for races other than African American."""
    if race == "black":
        return (
            PceGroup.AFRICAN_AMERICAN_FEMALE if sex == "female" else PceGroup.AFRICAN_AMERICAN_MALE
        )
    return PceGroup.WHITE_FEMALE if sex == "female" else PceGroup.WHITE_MALE


def current_smoker(ctx: AssessmentContext, inputs: Inputs) -> bool | None:
    lookback = ctx.days(ctx.settings.risk_lookback_smoking_days)
    reading = ctx.record.latest_reading(codes.SMOKING_STATUS, ctx.as_of, lookback)
    if reading is None:
        return inputs.need("smoking_status", None, "no tobacco smoking status (LOINC 72166-2)")
    answer = set(reading.view.answer)
    if not answer & (codes.CURRENT_SMOKER | codes.FORMER_SMOKER | codes.NEVER_SMOKER):
        return inputs.need("smoking_status", None, f"{reading.view.reference}: status unknown")
    inputs.cite(reading.view.reference)
    return bool(answer & codes.CURRENT_SMOKER)


def _pce_inputs(ctx: AssessmentContext, inputs: Inputs) -> PceInputs | None:
    record, as_of = ctx.record, ctx.as_of
    lipids = ctx.days(ctx.settings.risk_lookback_lipids_days)
    vitals = ctx.days(ctx.settings.risk_lookback_vitals_days)
    age = inputs.take(record.age_years(as_of))
    sex = inputs.take(record.sex())
    race = inputs.take(record.omb_race())
    tc = inputs.take(
        record.latest_quantity(
            "total_cholesterol", codes.TOTAL_CHOLESTEROL, CHOLESTEROL, as_of, lipids
        )
    )
    hdl = inputs.take(
        record.latest_quantity("hdl_cholesterol", codes.HDL_CHOLESTEROL, CHOLESTEROL, as_of, lipids)
    )
    sbp = inputs.take(
        record.latest_quantity("systolic_bp", codes.SYSTOLIC_BP, BLOOD_PRESSURE, as_of, vitals)
    )
    smoker = current_smoker(ctx, inputs)
    treated = [ref for ref, _ in record.active_medications(codes.ANTIHYPERTENSIVES)]
    if age is None or sex is None or race is None or tc is None or hdl is None:
        return None
    if sbp is None or smoker is None:
        return None
    return PceInputs(
        group=pce_group(sex, race),
        age_years=age,
        total_cholesterol_mg_dl=tc,
        hdl_mg_dl=hdl,
        systolic_bp_mm_hg=sbp,
        bp_treated=inputs.flag(treated),
        current_smoker=smoker,
        diabetes=inputs.flag(record.conditions(codes.DIABETES)),
    )


def _pce_category(risk: float) -> str:
    return next(name for floor, name in PCE_CATEGORIES if risk >= floor)


def run_pce(ctx: AssessmentContext) -> Outcome:
    if ctx.record.conditions(codes.CLINICAL_ASCVD, history=True):
        return not_applicable("Clinical ASCVD recorded: the equations are for primary prevention.")
    age = ctx.record.age_years(ctx.as_of)
    if isinstance(age, Found) and not AGE_RANGE[0] <= age.value <= AGE_RANGE[1]:
        return not_applicable(f"The pooled cohort equations cover ages {AGE_RANGE[0]}-79.")
    inputs = Inputs()
    pce = _pce_inputs(ctx, inputs)
    if pce is None:
        return inputs.missing_outcome("10-year ASCVD risk")
    try:
        risk = pooled_cohort_10y_risk(pce)
    except ValueError as outside:
        return not_applicable(f"Outside the equations' range: {outside}.")
    category = _pce_category(risk)
    alert = {"high": AlertLevel.WARNING, "intermediate": AlertLevel.INFO}.get(
        category, AlertLevel.NONE
    )
    return Outcome(
        Status.COMPUTED,
        f"10-year ASCVD risk {risk:.1%} ({category}; pooled cohort equations, Goff 2013).",
        alert=alert,
        basis=tuple(inputs.basis),
        prediction=Prediction(HARD_ASCVD, probability=risk, horizon=(10, "a")),
    )


def _atrial_fibrillation(ctx: AssessmentContext, inputs: Inputs) -> bool:
    return inputs.flag(ctx.record.conditions(codes.ATRIAL_FIBRILLATION, history=True))


def run_cha2ds2_vasc(ctx: AssessmentContext) -> Outcome:
    inputs = Inputs()
    if not _atrial_fibrillation(ctx, inputs):
        return not_applicable("No atrial fibrillation recorded.")
    age = inputs.take(ctx.record.age_years(ctx.as_of))
    sex = inputs.take(ctx.record.sex())
    if age is None or sex is None:
        return inputs.missing_outcome("CHA2DS2-VASc")
    history = ctx.record.conditions
    score = cha2ds2_vasc(
        Cha2ds2VascInputs(
            age_years=age,
            female=sex == "female",
            congestive_heart_failure=inputs.flag(history(codes.HEART_FAILURE, history=True)),
            hypertension=inputs.flag(history(codes.HYPERTENSION, history=True)),
            diabetes=inputs.flag(history(codes.DIABETES, history=True)),
            stroke_tia_thromboembolism=inputs.flag(
                history(codes.STROKE_TIA_THROMBOEMBOLISM, history=True)
            ),
            vascular_disease=inputs.flag(history(codes.VASCULAR_DISEASE, history=True)),
        )
    )
    rate = CHA2DS2_VASC_STROKE_RATE_PERCENT[score]
    return Outcome(
        Status.COMPUTED,
        f"CHA2DS2-VASc {score}/9: adjusted stroke rate {rate:.1f}%/year (Lip 2010).",
        alert=AlertLevel.INFO,
        basis=tuple(inputs.basis),
        prediction=Prediction("Stroke", STROKE, probability=rate / 100, horizon=(1, "a")),
    )
