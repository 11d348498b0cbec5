"""Runners for a draft imaging order: duplicate imaging, contrast and kidneys, pregnancy."""

from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.outcome import Inputs, Outcome, Prediction, Status, not_applicable
from radcds_risk.calculators.imaging_orders import (
    OrderCheck,
    PriorStudy,
    contrast_check,
    duplicate_check,
    pregnancy_check,
)
from radcds_risk.fhir import codes
from radcds_risk.fhir.order import DraftOrder
from radcds_risk.fhir.units import EGFR
from radcds_risk.findings import FINDING_SYSTEM

NO_ORDER = "No draft imaging order in the request."


def _computed(check: OrderCheck, inputs: Inputs, outcome: str) -> Outcome:
    qualitative = "high" if check.level.value >= 3 else "low"
    return Outcome(
        Status.COMPUTED,
        check.summary,
        alert=check.level,
        basis=tuple(inputs.basis),
        prediction=Prediction(outcome, qualitative=qualitative),
    )


def _ai_result(ctx: AssessmentContext, study: str) -> str | None:
    from_findings = [f for f in ctx.findings.ich if f.study == study]
    if from_findings and from_findings[0].probability is not None:
        return f"haemorrhage probability {from_findings[0].probability:.2f}"
    if any(n.study == study for n in ctx.findings.nodules):
        return "lung nodule(s) reported"
    results = [
        o for o in ctx.record.results_of(study) if any(s == FINDING_SYSTEM for s, _ in o.codes)
    ]
    return f"{len(results)} AI finding(s) on record" if results else None


def run_duplicate_imaging(ctx: AssessmentContext) -> Outcome:
    if ctx.order is None:
        return not_applicable(NO_ORDER)
    if not ctx.order.codes:
        return not_applicable("The draft order has no coded procedure.")
    inputs = Inputs()
    priors = []
    for study in ctx.record.studies_with_code(ctx.order.codes):
        if study.performed is not None:
            priors.append(
                PriorStudy(study.reference, study.performed, _ai_result(ctx, study.reference))
            )
    window = ctx.settings.risk_duplicate_window_days
    check = duplicate_check(priors=priors, as_of=ctx.as_of, window_days=window)
    inputs.cite(*(p.reference for p in priors if 0 <= (ctx.as_of - p.performed).days <= window))
    return _computed(check, inputs, "Duplicate imaging")


def _order_with(ctx: AssessmentContext) -> DraftOrder | Outcome:
    if ctx.order is None:
        return not_applicable(NO_ORDER)
    return ctx.order


def run_contrast_check(ctx: AssessmentContext) -> Outcome:
    order = _order_with(ctx)
    if isinstance(order, Outcome):
        return order
    inputs = Inputs()
    if order.contrast is None or order.modality is None:
        inputs.need("order_contrast", None, "the order's term does not state modality and contrast")
        return inputs.missing_outcome("Contrast check")
    if order.agent is None:
        return not_applicable("The order uses no contrast.")
    lookback = ctx.days(ctx.settings.risk_lookback_egfr_days)
    egfr = inputs.take(ctx.record.latest_quantity("egfr", codes.EGFR, EGFR, ctx.as_of, lookback))
    if egfr is None:
        return inputs.missing_outcome("Contrast check")
    check = contrast_check(
        agent=order.agent,
        egfr=egfr,
        on_dialysis=inputs.flag(ctx.record.conditions(codes.DIALYSIS)),
        on_metformin=inputs.flag([r for r, _ in ctx.record.active_medications(codes.METFORMIN)]),
    )
    return _computed(check, inputs, "Contrast-associated kidney injury or NSF")


def _positive_hcg(ctx: AssessmentContext, inputs: Inputs) -> bool:
    lookback = ctx.days(ctx.settings.risk_lookback_hcg_days)
    reading = ctx.record.latest_reading(codes.HCG, ctx.as_of, lookback)
    if reading is None:
        return False
    view = reading.view
    positive = bool(set(view.answer) & codes.POSITIVE) or any(
        code in {"POS", "A", "H", "HH"} for _, code in view.interpretation
    )
    if positive:
        inputs.cite(view.reference)
    return positive


def run_pregnancy_check(ctx: AssessmentContext) -> Outcome:
    order = _order_with(ctx)
    if isinstance(order, Outcome):
        return order
    inputs = Inputs()
    sex = inputs.take(ctx.record.sex())
    if sex is None:
        return inputs.missing_outcome("Pregnancy check")
    if sex != "female":
        return not_applicable("Pregnancy check applies to female patients.")
    if order.ionising is None:
        inputs.need("order_modality", None, "the order's term does not state its modality")
        return inputs.missing_outcome("Pregnancy check")
    if not order.ionising:
        return not_applicable(f"{order.modality} uses no ionising radiation.")
    status = ctx.record.latest_reading(
        codes.PREGNANCY_STATUS, ctx.as_of, ctx.days(ctx.settings.risk_lookback_hcg_days)
    )
    pregnant_status = [
        s.view.reference for s in [status] if s and set(s.view.answer) & codes.PREGNANT
    ]
    recorded = inputs.flag(ctx.record.conditions(codes.PREGNANCY) + pregnant_status)
    check = pregnancy_check(positive_hcg=_positive_hcg(ctx, inputs), pregnancy_recorded=recorded)
    return _computed(check, inputs, "Fetal radiation exposure")
