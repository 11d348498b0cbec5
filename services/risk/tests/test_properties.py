"""Property tests (hypothesis): bounds, monotonicity, missing inputs always reported."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from radcds_risk import examples as ex
from radcds_risk.assess.outcome import Status
from radcds_risk.assessor import Assessor
from radcds_risk.calculators.atrial_fibrillation import (
    Cha2ds2VascInputs,
    HasBledInputs,
    cha2ds2_vasc,
    has_bled,
)
from radcds_risk.calculators.brock import BrockInputs, brock_probability
from radcds_risk.calculators.ich import ich_score
from radcds_risk.calculators.nodule_types import NoduleType
from radcds_risk.calculators.pce import PceGroup, PceInputs, pooled_cohort_10y_risk
from radcds_risk.settings import RiskSettings

MEN = (PceGroup.WHITE_MALE, PceGroup.AFRICAN_AMERICAN_MALE)
ages = st.integers(40, 79)
pce_profiles = st.builds(
    PceInputs,
    group=st.sampled_from(list(PceGroup)),
    age_years=ages,
    total_cholesterol_mg_dl=st.floats(130, 320),
    hdl_mg_dl=st.floats(20, 100),
    systolic_bp_mm_hg=st.floats(90, 200),
    bp_treated=st.booleans(),
    current_smoker=st.booleans(),
    diabetes=st.booleans(),
)
brock_profiles = st.builds(
    BrockInputs,
    age_years=st.floats(18, 100),
    female=st.booleans(),
    family_history_lung_cancer=st.booleans(),
    emphysema=st.booleans(),
    diameter_mm=st.floats(1, 100),
    nodule_type=st.sampled_from(list(NoduleType)),
    upper_lobe=st.booleans(),
    nodule_count=st.integers(1, 30),
    spiculation=st.booleans(),
)


def _with(profile: PceInputs, **change: object) -> PceInputs:
    return PceInputs(**{**profile.__dict__, **change})  # type: ignore[arg-type]


@given(pce_profiles)
def test_pce_risk_is_a_probability(profile: PceInputs) -> None:
    assert 0.0 <= pooled_cohort_10y_risk(profile) <= 1.0


@given(pce_profiles, st.floats(90, 200), st.floats(90, 200))
def test_pce_risk_never_falls_as_systolic_bp_rises(
    profile: PceInputs, low: float, high: float
) -> None:
    low, high = sorted((low, high))
    assert pooled_cohort_10y_risk(_with(profile, systolic_bp_mm_hg=low)) <= pooled_cohort_10y_risk(
        _with(profile, systolic_bp_mm_hg=high)
    )


@given(pce_profiles.filter(lambda p: p.group in MEN), ages, ages)
def test_pce_risk_never_falls_as_age_rises_for_men(profile: PceInputs, a: int, b: int) -> None:
    young, old = sorted((a, b))
    assert pooled_cohort_10y_risk(_with(profile, age_years=young)) <= pooled_cohort_10y_risk(
        _with(profile, age_years=old)
    )


def test_pce_for_women_can_fall_with_age_as_published() -> None:
    """Goff 2013 Table A, women: the age interactions (ln age x ln total cholesterol and x
    smoking for white women; ln age x ln treated SBP for African-American women) make the
    10-year risk fall with age for some in-range profiles, e.g. an African-American woman with
    HDL 20 mg/dL and treated SBP 200 mm Hg. The published equations are kept as they are, so
    the age monotonicity property holds for men only; this test pins the exception."""
    woman = PceInputs(PceGroup.AFRICAN_AMERICAN_FEMALE, 50, 130, 20, 200, True, False, False)
    older = _with(woman, age_years=60)
    assert pooled_cohort_10y_risk(older) < pooled_cohort_10y_risk(woman)


@given(brock_profiles, st.floats(1, 100), st.floats(1, 100))
def test_brock_never_falls_as_nodule_grows(profile: BrockInputs, a: float, b: float) -> None:
    small, large = sorted((a, b))
    p_small = brock_probability(BrockInputs(**{**profile.__dict__, "diameter_mm": small}))
    p_large = brock_probability(BrockInputs(**{**profile.__dict__, "diameter_mm": large}))
    assert 0.0 < p_small <= p_large < 1.0


@given(brock_profiles, st.floats(18, 100), st.floats(18, 100))
def test_brock_never_falls_with_age(profile: BrockInputs, a: float, b: float) -> None:
    young, old = sorted((a, b))
    assert brock_probability(
        BrockInputs(**{**profile.__dict__, "age_years": young})
    ) <= brock_probability(BrockInputs(**{**profile.__dict__, "age_years": old}))


@given(st.integers(3, 15), st.integers(0, 120), st.integers(0, 120), st.floats(0, 500),
       st.booleans(), st.booleans())  # fmt: skip
def test_ich_score_bounded_and_monotonic_in_age(
    gcs: int, a: int, b: int, volume: float, ivh: bool, infra: bool
) -> None:
    young, old = sorted((a, b))
    low = ich_score(gcs=gcs, age_years=young, volume_ml=volume, intraventricular=ivh,
                    infratentorial=infra)  # fmt: skip
    high = ich_score(gcs=gcs, age_years=old, volume_ml=volume, intraventricular=ivh,
                     infratentorial=infra)  # fmt: skip
    assert 0 <= low.points <= high.points <= 6
    for result in (low, high):
        assert result.thirty_day_mortality is None or 0 <= result.thirty_day_mortality <= 1


@given(st.integers(0, 120), st.integers(0, 120), st.lists(st.booleans(), min_size=6, max_size=6))
def test_cha2ds2_vasc_bounded_and_monotonic_in_age(a: int, b: int, flags: list[bool]) -> None:
    young, old = sorted((a, b))
    low = cha2ds2_vasc(Cha2ds2VascInputs(young, *flags))
    high = cha2ds2_vasc(Cha2ds2VascInputs(old, *flags))
    assert 0 <= low <= high <= 9


# The typical record's entries each PCE input is read from, and the name reported missing.
PCE_SOURCES = {1: "total_cholesterol", 2: "hdl_cholesterol", 6: "systolic_bp", 7: "smoking_status"}
ASSESSOR = Assessor(RiskSettings())


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(sorted(PCE_SOURCES))), st.booleans(), st.booleans())
def test_every_missing_input_is_reported(dropped: set[int], no_birth: bool, no_race: bool) -> None:
    record = ex.typical_record(ex.REFERENCE_TIME)
    record["entry"] = [e for i, e in enumerate(record["entry"]) if i not in dropped]
    patient = record["entry"][0]["resource"]
    if no_birth:
        del patient["birthDate"]
    if no_race:
        del patient["extension"]
    expected = {PCE_SOURCES[i] for i in dropped}
    expected |= {"age"} if no_birth else set()
    expected |= {"race"} if no_race else set()
    (result,) = ASSESSOR.assess(json.dumps(record).encode(), [], calculators=["pce_ascvd_10y"],
                                as_of=ex.REFERENCE_TIME)  # fmt: skip
    if expected:
        assert result.outcome.status is Status.MISSING_INPUT
        assert {m.name for m in result.outcome.missing} == expected
    else:
        assert result.outcome.status is Status.COMPUTED


@pytest.mark.parametrize("calculator", ["ich_score", "brock_pancan", "has_bled", "cha2ds2_vasc"])
def test_patient_without_birth_date_reports_age_missing(calculator: str) -> None:
    record = ex.typical_record(ex.REFERENCE_TIME)
    del record["entry"][0]["resource"]["birthDate"]
    findings = [
        ex.ich_finding(0.9, 35, True, False),
        ex.nodule_finding("n", 7, "RUL", "solid", True),
    ]
    raw = [json.dumps(f).encode() for f in findings]
    (result,) = ASSESSOR.assess(
        json.dumps(record).encode(), raw, calculators=[calculator], as_of=ex.REFERENCE_TIME
    )
    assert "age" in {m.name for m in result.outcome.missing}


@given(st.lists(st.booleans(), min_size=9, max_size=9))
def test_has_bled_is_bounded_and_never_falls_when_an_item_is_added(items: list[bool]) -> None:
    score = has_bled(HasBledInputs(*items))
    assert 0 <= score <= 9
    for index in range(9):
        added = [*items[:index], True, *items[index + 1 :]]
        assert has_bled(HasBledInputs(*added)) >= score
