"""Pooled cohort equations against Goff DC Jr et al., 2013 ACC/AHA guideline on the assessment
of cardiovascular risk (Circulation. 2014;129(25 Suppl 2):S49-S73), Table A and its footnote.

The worked example: a 55-year-old with total cholesterol 213 mg/dL, HDL-C 50 mg/dL, untreated
systolic BP 120 mm Hg, not a current smoker, without diabetes. Table A's "Individual Sum" per
group is -29.67 (white women), 86.16 (African-American women), 60.69 (white men) and 18.97
(African-American men), and the predicted risks 2.1%, 3.0%, 5.3% and 6.1%.
"""

import math

import pytest
from radcds_risk.calculators.pce import (
    COEFFICIENTS,
    PceGroup,
    PceInputs,
    individual_sum,
    pooled_cohort_10y_risk,
    risk_from_sum,
)

EXAMPLE = {
    "age_years": 55,
    "total_cholesterol_mg_dl": 213,
    "hdl_mg_dl": 50,
    "systolic_bp_mm_hg": 120,
    "bp_treated": False,
    "current_smoker": False,
    "diabetes": False,
}
# (group, Table A individual sum, published risk %)
TABLE_A = [
    (PceGroup.WHITE_FEMALE, -29.67, 2.1),
    (PceGroup.AFRICAN_AMERICAN_FEMALE, 86.16, 3.0),
    (PceGroup.WHITE_MALE, 60.69, 5.3),
    (PceGroup.AFRICAN_AMERICAN_MALE, 18.97, 6.1),
]


def _example(group: PceGroup) -> PceInputs:
    return PceInputs(group=group, **EXAMPLE)  # type: ignore[arg-type]


@pytest.mark.parametrize(("group", "table_sum", "_risk"), TABLE_A)
def test_individual_sum_matches_table_a(group: PceGroup, table_sum: float, _risk: float) -> None:
    # Table A prints the sum to two decimals, truncated.
    assert math.trunc(individual_sum(_example(group)) * 100) / 100 == table_sum


@pytest.mark.parametrize(("group", "table_sum", "risk_percent"), TABLE_A)
def test_risk_from_table_a_sum_matches_published_percent(
    group: PceGroup, table_sum: float, risk_percent: float
) -> None:
    assert round(risk_from_sum(group, table_sum) * 100, 1) == risk_percent


@pytest.mark.parametrize(
    ("group", "risk_percent"),
    [
        (PceGroup.WHITE_FEMALE, 2.1),
        (PceGroup.AFRICAN_AMERICAN_FEMALE, 3.0),
        (PceGroup.AFRICAN_AMERICAN_MALE, 6.1),
    ],
)
def test_full_precision_risk_matches_published_percent(
    group: PceGroup, risk_percent: float
) -> None:
    assert round(pooled_cohort_10y_risk(_example(group)) * 100, 1) == risk_percent


def test_white_male_full_precision_differs_from_table_rounding() -> None:
    # At full precision the sum is 60.6995; Table A truncates it to 60.69, which gives the
    # published 5.3%. The unrounded estimate is 5.38%.
    assert pooled_cohort_10y_risk(_example(PceGroup.WHITE_MALE)) == pytest.approx(0.0538, abs=5e-4)


def test_baseline_survival_and_means_of_table_a() -> None:
    assert COEFFICIENTS[PceGroup.WHITE_FEMALE].baseline_survival == 0.9665
    assert COEFFICIENTS[PceGroup.AFRICAN_AMERICAN_FEMALE].mean_sum == 86.61
    assert COEFFICIENTS[PceGroup.WHITE_MALE].baseline_survival == 0.9144
    assert COEFFICIENTS[PceGroup.AFRICAN_AMERICAN_MALE].mean_sum == 19.54


@pytest.mark.parametrize("age", [39, 80])
def test_age_outside_40_to_79_is_rejected(age: int) -> None:
    inputs = PceInputs(group=PceGroup.WHITE_MALE, **{**EXAMPLE, "age_years": age})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="age_years"):
        pooled_cohort_10y_risk(inputs)
