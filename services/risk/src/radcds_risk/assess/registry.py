"""The calculators the service offers: name, version, citation, inputs, outputs, runner."""

from collections.abc import Callable
from dataclasses import dataclass

from radcds_risk.assess.bleeding import run_has_bled
from radcds_risk.assess.cardio import run_cha2ds2_vasc, run_pce
from radcds_risk.assess.chest import run_brock, run_fleischner
from radcds_risk.assess.context import AssessmentContext
from radcds_risk.assess.neuro import run_anticoagulation_alert, run_ich_score
from radcds_risk.assess.orders import (
    run_contrast_check,
    run_duplicate_imaging,
    run_pregnancy_check,
)
from radcds_risk.assess.outcome import Outcome
from radcds_risk.calculators import anticoagulation, brock, fleischner, ich, imaging_orders, pce
from radcds_risk.calculators.atrial_fibrillation import CHA2DS2_VASC_CITATION, HAS_BLED_CITATION


@dataclass(frozen=True)
class CalculatorSpec:
    name: str
    version: str
    title: str
    citation: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run: Callable[[AssessmentContext], Outcome]


CALCULATORS: tuple[CalculatorSpec, ...] = (
    CalculatorSpec(
        "ich_score", "1.0.0", "ICH score (30-day mortality)", ich.CITATION,
        ("ich finding: probability, volume_ml, intraventricular, infratentorial",
         "Glasgow coma score (LOINC 9269-2)", "age"),
        ("ICH score 0-6", "observed 30-day mortality"), run_ich_score,
    ),
    CalculatorSpec(
        "anticoagulation_ich_alert", "1.0.0", "Anticoagulant on suspected intracranial haemorrhage",
        anticoagulation.CITATION,
        ("ich finding: probability", "active anticoagulants (RxNorm)",
         "INR (vitamin K antagonist)"),
        ("alert level", "drug class"), run_anticoagulation_alert,
    ),
    CalculatorSpec(
        "brock_pancan", "1.0.0", "Brock (PanCan) nodule malignancy probability", brock.CITATION,
        ("nodule findings: diameter_mm, type, lobe, spiculation, count", "age", "sex",
         "family history of lung cancer", "emphysema"),
        ("probability of malignancy",), run_brock,
    ),
    CalculatorSpec(
        "fleischner_2017", "1.0.0", "Fleischner 2017 incidental nodule follow-up",
        fleischner.CITATION,
        ("nodule findings: diameter_mm, type, count", "age", "smoking status (LOINC 72166-2)",
         "known cancer", "immunosuppression"),
        ("follow-up recommendation",), run_fleischner,
    ),
    CalculatorSpec(
        "pce_ascvd_10y", "1.0.0", "Pooled cohort equations, 10-year hard ASCVD risk",
        pce.CITATION,
        ("age", "sex", "race (US Core)", "total cholesterol", "HDL cholesterol",
         "systolic BP", "antihypertensive treatment", "smoking status", "diabetes"),
        ("10-year risk",), run_pce,
    ),
    CalculatorSpec(
        "cha2ds2_vasc", "1.0.0", "CHA2DS2-VASc stroke risk in atrial fibrillation",
        CHA2DS2_VASC_CITATION,
        ("atrial fibrillation", "age", "sex", "heart failure", "hypertension", "diabetes",
         "stroke/TIA/thromboembolism", "vascular disease"),
        ("score 0-9", "adjusted stroke rate per year"), run_cha2ds2_vasc,
    ),
    CalculatorSpec(
        "has_bled", "1.0.0", "HAS-BLED major bleeding risk in atrial fibrillation",
        HAS_BLED_CITATION,
        ("atrial fibrillation", "systolic BP", "creatinine or dialysis/transplant",
         "liver disease", "stroke", "bleeding", "INR series (on a VKA)", "age",
         "antiplatelets/NSAIDs", "alcohol excess"),
        ("score 0-9", "bleeds per 100 patient-years"), run_has_bled,
    ),
    CalculatorSpec(
        "duplicate_imaging", "1.0.0", "Same imaging procedure within the window",
        "radcds site policy: RADCDS_RISK_DUPLICATE_WINDOW_DAYS",
        ("draft order code", "ImagingStudy/Procedure with the same code", "AI findings"),
        ("alert level",), run_duplicate_imaging,
    ),
    CalculatorSpec(
        "contrast_renal", "1.0.0", "Contrast against eGFR and metformin",
        imaging_orders.ACR_CONTRAST_CITATION,
        ("draft order modality and contrast", "eGFR", "dialysis", "metformin"),
        ("alert level",), run_contrast_check,
    ),
    CalculatorSpec(
        "pregnancy_ionising", "1.0.0", "Possible pregnancy before ionising imaging",
        "ACR-SPR Practice Parameter for Imaging Pregnant or Potentially Pregnant Patients "
        "with Ionizing Radiation",
        ("draft order modality", "sex", "hCG (LOINC 2106-3, 2118-8, 21198-7)",
         "pregnancy status or condition"),
        ("alert level",), run_pregnancy_check,
    ),
)  # fmt: skip

BY_NAME = {spec.name: spec for spec in CALCULATORS}
