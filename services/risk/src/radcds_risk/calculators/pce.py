"""Pooled cohort equations: 10-year risk of a first hard ASCVD event.

Goff DC Jr et al. 2013 ACC/AHA guideline on the assessment of cardiovascular risk.
Circulation. 2014;129(25 Suppl 2):S49-S73. doi:10.1161/01.cir.0000437741.48606.98.
Coefficients, baseline survival and mean sums: the guideline's Table A ("Equation parameters
of the Pooled Cohort Equations for estimation of 10-year risk of hard ASCVD"). They reproduce
the guideline's worked example exactly (tests/test_pce.py).
"""

import math
from dataclasses import dataclass
from enum import StrEnum

CITATION = (
    "Goff DC Jr et al. 2013 ACC/AHA guideline on the assessment of cardiovascular risk. "
    "Circulation. 2014;129(25 Suppl 2):S49-S73. doi:10.1161/01.cir.0000437741.48606.98"
)

# The guideline derived the equations for ages 40-79 and advises against use outside it.
AGE_RANGE = (40, 79)
# Ranges of the ACC/AHA ASCVD Risk Estimator; outside them the estimate is not made.
TOTAL_CHOLESTEROL_RANGE = (130.0, 320.0)
HDL_RANGE = (20.0, 100.0)
SBP_RANGE = (90.0, 200.0)


class PceGroup(StrEnum):
    WHITE_FEMALE = "white_female"
    AFRICAN_AMERICAN_FEMALE = "african_american_female"
    WHITE_MALE = "white_male"
    AFRICAN_AMERICAN_MALE = "african_american_male"


@dataclass(frozen=True)
class PceCoefficients:
    ln_age: float
    ln_age_squared: float
    ln_tc: float
    ln_age_ln_tc: float
    ln_hdl: float
    ln_age_ln_hdl: float
    ln_treated_sbp: float
    ln_age_ln_treated_sbp: float
    ln_untreated_sbp: float
    ln_age_ln_untreated_sbp: float
    smoker: float
    ln_age_smoker: float
    diabetes: float
    baseline_survival: float
    mean_sum: float


# Goff 2013, Table A.
COEFFICIENTS: dict[PceGroup, PceCoefficients] = {
    PceGroup.WHITE_FEMALE: PceCoefficients(
        -29.799, 4.884, 13.540, -3.114, -13.578, 3.149,
        2.019, 0.0, 1.957, 0.0, 7.574, -1.665, 0.661, 0.9665, -29.18,
    ),
    PceGroup.AFRICAN_AMERICAN_FEMALE: PceCoefficients(
        17.114, 0.0, 0.940, 0.0, -18.920, 4.475,
        29.291, -6.432, 27.820, -6.087, 0.691, 0.0, 0.874, 0.9533, 86.61,
    ),
    PceGroup.WHITE_MALE: PceCoefficients(
        12.344, 0.0, 11.853, -2.664, -7.990, 1.769,
        1.797, 0.0, 1.764, 0.0, 7.837, -1.795, 0.658, 0.9144, 61.18,
    ),
    PceGroup.AFRICAN_AMERICAN_MALE: PceCoefficients(
        2.469, 0.0, 0.302, 0.0, -0.307, 0.0,
        1.916, 0.0, 1.809, 0.0, 0.549, 0.0, 0.645, 0.8954, 19.54,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class PceInputs:
    group: PceGroup
    age_years: float
    total_cholesterol_mg_dl: float
    hdl_mg_dl: float
    systolic_bp_mm_hg: float
    bp_treated: bool
    current_smoker: bool
    diabetes: bool


def _check_ranges(inputs: PceInputs) -> None:
    checks = (
        ("age_years", inputs.age_years, AGE_RANGE),
        ("total_cholesterol_mg_dl", inputs.total_cholesterol_mg_dl, TOTAL_CHOLESTEROL_RANGE),
        ("hdl_mg_dl", inputs.hdl_mg_dl, HDL_RANGE),
        ("systolic_bp_mm_hg", inputs.systolic_bp_mm_hg, SBP_RANGE),
    )
    for name, value, (low, high) in checks:
        if not low <= value <= high:
            raise ValueError(f"{name} {value} is outside the equations' range {low}-{high}")


def individual_sum(inputs: PceInputs) -> float:
    """The sum of coefficient x value (Goff 2013, Table A, 'Individual Sum')."""
    c = COEFFICIENTS[inputs.group]
    ln_age = math.log(inputs.age_years)
    ln_tc = math.log(inputs.total_cholesterol_mg_dl)
    ln_hdl = math.log(inputs.hdl_mg_dl)
    ln_sbp = math.log(inputs.systolic_bp_mm_hg)
    smoker = float(inputs.current_smoker)
    if inputs.bp_treated:
        sbp_terms = c.ln_treated_sbp * ln_sbp + c.ln_age_ln_treated_sbp * ln_age * ln_sbp
    else:
        sbp_terms = c.ln_untreated_sbp * ln_sbp + c.ln_age_ln_untreated_sbp * ln_age * ln_sbp
    return (
        c.ln_age * ln_age
        + c.ln_age_squared * ln_age**2
        + c.ln_tc * ln_tc
        + c.ln_age_ln_tc * ln_age * ln_tc
        + c.ln_hdl * ln_hdl
        + c.ln_age_ln_hdl * ln_age * ln_hdl
        + sbp_terms
        + c.smoker * smoker
        + c.ln_age_smoker * ln_age * smoker
        + c.diabetes * float(inputs.diabetes)
    )


def risk_from_sum(group: PceGroup, total: float) -> float:
    """Goff 2013, Table A footnote: 1 - S10 ^ exp(individual sum - mean sum)."""
    c = COEFFICIENTS[group]
    return 1.0 - math.pow(c.baseline_survival, math.exp(total - c.mean_sum))


def pooled_cohort_10y_risk(inputs: PceInputs) -> float:
    """10-year risk of a first hard ASCVD event, 0-1."""
    _check_ranges(inputs)
    return risk_from_sum(inputs.group, individual_sum(inputs))
