"""CHA2DS2-VASc (Lip 2010) and HAS-BLED (Pisters 2010)."""

import pytest
from radcds_risk.calculators.atrial_fibrillation import (
    CHA2DS2_VASC_STROKE_RATE_PERCENT,
    HAS_BLED_BLEEDS_PER_100_PATIENT_YEARS,
    Cha2ds2VascInputs,
    HasBledInputs,
    cha2ds2_vasc,
    has_bled,
)

NOTHING = Cha2ds2VascInputs(
    age_years=50,
    female=False,
    congestive_heart_failure=False,
    hypertension=False,
    diabetes=False,
    stroke_tia_thromboembolism=False,
    vascular_disease=False,
)


def test_every_factor_scores_as_lip_2010_defines() -> None:
    # Lip GYH et al., Chest. 2010;137(2):263-272, the CHA2DS2-VASc scheme
    # C 1, H 1, A2 (>=75) 2, D 1, S2 2, V 1, A (65-74) 1, Sc (female) 1.
    everything = Cha2ds2VascInputs(80, True, True, True, True, True, True)
    assert cha2ds2_vasc(NOTHING) == 0
    assert cha2ds2_vasc(everything) == 9
    assert cha2ds2_vasc(Cha2ds2VascInputs(74, False, False, False, False, False, False)) == 1
    assert cha2ds2_vasc(Cha2ds2VascInputs(75, False, False, False, False, False, False)) == 2
    assert cha2ds2_vasc(Cha2ds2VascInputs(50, False, False, False, False, True, False)) == 2


def test_stroke_rate_table() -> None:
    # Adjusted stroke rate (%/year) by score, ESC 2010 AF guideline Table 8b from Lip 2010.
    assert list(CHA2DS2_VASC_STROKE_RATE_PERCENT.values()) == [
        0.0, 1.3, 2.2, 3.2, 4.0, 6.7, 9.8, 9.6, 6.7, 15.2,
    ]  # fmt: skip


def test_has_bled_counts_one_point_per_item() -> None:
    # Pisters R et al., Chest. 2010;138(5):1093-1100: nine items, one point each, maximum 9.
    all_items = HasBledInputs(*([True] * 9))
    assert has_bled(all_items) == 9
    assert has_bled(HasBledInputs(*([False] * 9))) == 0


@pytest.mark.parametrize(
    ("score", "rate"), [(0, 1.13), (1, 1.02), (2, 1.88), (3, 3.74), (4, 8.70), (5, 12.50)]
)
def test_has_bled_bleed_rates_of_pisters_2010(score: int, rate: float) -> None:
    # Pisters 2010: bleeds per 100 patient-years by HAS-BLED score (validation cohort).
    assert HAS_BLED_BLEEDS_PER_100_PATIENT_YEARS[score] == rate
