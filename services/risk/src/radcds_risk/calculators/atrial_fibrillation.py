"""Stroke and bleeding risk in atrial fibrillation: CHA2DS2-VASc and HAS-BLED."""

from dataclasses import dataclass

CHA2DS2_VASC_CITATION = (
    "Lip GYH, Nieuwlaat R, Pisters R, Lane DA, Crijns HJGM. Refining clinical risk "
    "stratification for predicting stroke and thromboembolism in atrial fibrillation using a "
    "novel risk factor-based approach: the Euro Heart Survey on Atrial Fibrillation. Chest. "
    "2010;137(2):263-272. doi:10.1378/chest.09-1584"
)
HAS_BLED_CITATION = (
    "Pisters R, Lane DA, Nieuwlaat R, de Vos CB, Crijns HJGM, Lip GYH. A novel user-friendly "
    "score (HAS-BLED) to assess 1-year risk of major bleeding in patients with atrial "
    "fibrillation: the Euro Heart Survey. Chest. 2010;138(5):1093-1100. doi:10.1378/chest.10-0134"
)

# Adjusted stroke rate (% per year) by CHA2DS2-VASc score, as tabulated from Lip 2010 in the
# 2010 ESC atrial fibrillation guideline (Camm AJ et al., Eur Heart J 2010;31:2369-2429,
# Table 8b). Checked against two secondary reproductions of that table, not the ESC PDF itself.
CHA2DS2_VASC_STROKE_RATE_PERCENT: dict[int, float] = {
    0: 0.0, 1: 1.3, 2: 2.2, 3: 3.2, 4: 4.0, 5: 6.7, 6: 9.8, 7: 9.6, 8: 6.7, 9: 15.2,
}  # fmt: skip

# Pisters 2010: major bleeds per 100 patient-years by HAS-BLED score in the Euro Heart Survey
# validation cohort; scores above 5 had too few patients for a rate. A score of 3 or more
# marks high risk.
HAS_BLED_BLEEDS_PER_100_PATIENT_YEARS: dict[int, float] = {
    0: 1.13, 1: 1.02, 2: 1.88, 3: 3.74, 4: 8.70, 5: 12.50,
}  # fmt: skip
HAS_BLED_HIGH_RISK = 3


@dataclass(frozen=True)
class Cha2ds2VascInputs:
    age_years: int
    female: bool
    congestive_heart_failure: bool
    hypertension: bool
    diabetes: bool
    stroke_tia_thromboembolism: bool
    vascular_disease: bool


def cha2ds2_vasc(inputs: Cha2ds2VascInputs) -> int:
    """Lip 2010: C1 H1 A2(>=75) D1 S2 V1 A1(65-74) Sc1 (female); 0-9."""
    if inputs.age_years < 0:
        raise ValueError("age must not be negative")
    age_points = 2 if inputs.age_years >= 75 else int(inputs.age_years >= 65)
    return (
        int(inputs.congestive_heart_failure)
        + int(inputs.hypertension)
        + age_points
        + int(inputs.diabetes)
        + 2 * int(inputs.stroke_tia_thromboembolism)
        + int(inputs.vascular_disease)
        + int(inputs.female)
    )


@dataclass(frozen=True)
class HasBledInputs:
    # Pisters 2010: uncontrolled hypertension, systolic > 160 mm Hg.
    uncontrolled_hypertension: bool
    # Chronic dialysis, renal transplant, or serum creatinine >= 200 umol/L.
    abnormal_renal_function: bool
    # Chronic hepatic disease (e.g. cirrhosis) or significant biochemical derangement.
    abnormal_liver_function: bool
    stroke: bool
    bleeding_history_or_predisposition: bool
    # Time in therapeutic range < 60%; only meaningful on a vitamin K antagonist.
    labile_inr: bool
    # Age > 65 years.
    elderly: bool
    # Antiplatelet agents or NSAIDs.
    drugs: bool
    # >= 8 units of alcohol a week.
    alcohol: bool


def has_bled(inputs: HasBledInputs) -> int:
    """Pisters 2010: one point per item; 0-9."""
    return sum(
        int(flag)
        for flag in (
            inputs.uncontrolled_hypertension,
            inputs.abnormal_renal_function,
            inputs.abnormal_liver_function,
            inputs.stroke,
            inputs.bleeding_history_or_predisposition,
            inputs.labile_inr,
            inputs.elderly,
            inputs.drugs,
            inputs.alcohol,
        )
    )
