"""Brock (PanCan) model and the Fleischner 2017 table."""

import math

import pytest
from radcds_risk.calculators.brock import BrockInputs, brock_logit, brock_probability
from radcds_risk.calculators.fleischner import PatientRisk, fleischner_2017, needs_patient_risk
from radcds_risk.calculators.nodule_types import NoduleType

# Coefficients of the full model with spiculation, McWilliams A et al., N Engl J Med.
# 2013;369(10):910-919 (full model with spiculation), as reprinted without centring in Eur Radiol.
# 2019;29(10):5367-5377, Table 2 ("BU" column): age 0.0287, female 0.6011, family history
# 0.2961, emphysema 0.2953, upper lobe 0.6581, size -5.3854 x (mm/10)^-0.5, spiculation
# 0.7729, part-solid 0.377, non-solid -0.1276, count -0.0824, base intercept 0.2761.
EUR_RADIOL_2019_INTERCEPT = 0.2761


def _uncentred_logit(i: BrockInputs) -> float:
    return (
        EUR_RADIOL_2019_INTERCEPT
        + 0.0287 * i.age_years
        + 0.6011 * i.female
        + 0.2961 * i.family_history_lung_cancer
        + 0.2953 * i.emphysema
        - 5.3854 * (i.diameter_mm / 10) ** -0.5
        + {NoduleType.SOLID: 0.0, NoduleType.PART_SOLID: 0.377, NoduleType.NONSOLID: -0.1276}[
            i.nodule_type
        ]
        + 0.6581 * i.upper_lobe
        - 0.0824 * i.nodule_count
        + 0.7729 * i.spiculation
    )


PROFILES = [
    BrockInputs(62, False, False, False, 4.0, NoduleType.SOLID, False, 4, False),
    BrockInputs(70, True, True, True, 15.0, NoduleType.PART_SOLID, True, 1, True),
    BrockInputs(55, False, False, True, 7.0, NoduleType.NONSOLID, False, 2, False),
]


@pytest.mark.parametrize("profile", PROFILES)
def test_centred_model_equals_published_uncentred_form(profile: BrockInputs) -> None:
    # The published intercept 0.2761 is printed to 4 decimals.
    assert brock_logit(profile) == pytest.approx(_uncentred_logit(profile), abs=1e-4)


def test_reference_profile_is_the_intercept() -> None:
    # McWilliams 2013: covariates are centred at age 62, 4 mm and 4 nodules.
    reference = PROFILES[0]
    assert brock_logit(reference) == pytest.approx(-6.7892, abs=1e-6)
    assert brock_probability(reference) == pytest.approx(1 / (1 + math.exp(6.7892)))


# MacMahon H et al., Radiology. 2017;284(1):228-243, Table 1.
SOLID_TABLE = [
    (5.0, False, PatientRisk.LOW, "No routine follow-up."),
    (5.0, False, PatientRisk.HIGH, "Optional CT at 12 months."),
    (7.0, False, PatientRisk.LOW, "CT at 6-12 months, then consider CT at 18-24 months."),
    (7.0, False, PatientRisk.HIGH, "CT at 6-12 months, then CT at 18-24 months."),
    (9.0, False, PatientRisk.LOW, "Consider CT at 3 months, PET/CT, or tissue sampling."),
    (5.0, True, PatientRisk.HIGH, "Optional CT at 12 months."),
    (7.0, True, PatientRisk.LOW, "CT at 3-6 months, then consider CT at 18-24 months."),
    (9.0, True, PatientRisk.HIGH, "CT at 3-6 months, then CT at 18-24 months."),
]


@pytest.mark.parametrize(("size", "multiple", "risk", "text"), SOLID_TABLE)
def test_solid_nodules_follow_table_1(
    size: float, multiple: bool, risk: PatientRisk, text: str
) -> None:
    result = fleischner_2017(
        diameter_mm=size, nodule_type=NoduleType.SOLID, multiple=multiple, risk=risk
    )
    assert result.text == text


def test_subsolid_nodules_follow_table_1_without_patient_risk() -> None:
    ggn = fleischner_2017(diameter_mm=7, nodule_type=NoduleType.NONSOLID, multiple=False, risk=None)
    assert ggn.text.startswith("CT at 6-12 months to confirm persistence")
    part_solid = fleischner_2017(
        diameter_mm=7, nodule_type=NoduleType.PART_SOLID, multiple=False, risk=None
    )
    assert part_solid.text.startswith("CT at 3-6 months to confirm persistence")
    small = fleischner_2017(
        diameter_mm=5, nodule_type=NoduleType.PART_SOLID, multiple=False, risk=None
    )
    assert not small.follow_up


def test_single_solid_over_8mm_does_not_depend_on_risk() -> None:
    assert not needs_patient_risk(9.0, NoduleType.SOLID, multiple=False)
    assert needs_patient_risk(7.0, NoduleType.SOLID, multiple=False)


def test_risk_dependent_cell_without_risk_is_refused() -> None:
    with pytest.raises(ValueError, match="risk"):
        fleischner_2017(diameter_mm=7, nodule_type=NoduleType.SOLID, multiple=False, risk=None)
