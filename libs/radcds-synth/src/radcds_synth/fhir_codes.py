"""Terminology the risk calculators read: LOINC, SNOMED CT, ICD-10-CM and RxNorm codes.

RxNorm codes are from the VSAC value sets "Anticoagulants for All Indications"
(2.16.840.1.113762.1.4.1248.22) and "Antihypertensives" (2.16.840.1.113762.1.4.1248.164).
"""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

Code = tuple[str, str, str]

SMOKING_STATUS: Code = (LOINC, "72166-2", "Tobacco smoking status")
GCS_TOTAL: Code = (LOINC, "9269-2", "Glasgow coma score total")
INR: Code = (LOINC, "6301-6", "INR in Platelet poor plasma by Coagulation assay")
HCG_URINE: Code = (LOINC, "2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine")
EGFR_CKD_EPI: Code = (
    LOINC,
    "62238-1",
    "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or "
    "Blood by Creatinine-based formula (CKD-EPI)",
)
EGFR_CKD_EPI_2021 = "98979-8"
BLOOD_PRESSURE_PANEL = "85354-9"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
TOTAL_CHOLESTEROL, HDL_CHOLESTEROL = "2093-3", "2085-9"

CT_HEAD_WO_CONTRAST: Code = (LOINC, "30799-1", "CT Head WO contrast")
CT_CHEST_WO_CONTRAST: Code = (LOINC, "29252-4", "CT Chest WO contrast")
IMAGING: Code = (SNOMED, "363679005", "Imaging")

SMOKING_ANSWERS: dict[str, Code] = {
    "current": (SNOMED, "449868002", "Smokes tobacco daily (finding)"),
    "former": (SNOMED, "8517006", "Ex-smoker (finding)"),
    "never": (SNOMED, "266919005", "Never smoked tobacco (finding)"),
}
PRESENCE: dict[bool, Code] = {
    True: (SNOMED, "10828004", "Positive (qualifier value)"),
    False: (SNOMED, "260385009", "Negative (qualifier value)"),
}

# Each condition the calculators use: its SNOMED CT concept, and the ICD-10-CM code prefix
# that identifies it (with the code added when the condition is planted).
CONDITIONS: dict[str, tuple[Code, Code]] = {
    "hypertension": (
        (SNOMED, "38341003", "Hypertensive disorder, systemic arterial (disorder)"),
        (ICD10, "I10", "Essential (primary) hypertension"),
    ),
    "diabetes": (
        (SNOMED, "44054006", "Diabetes mellitus type 2 (disorder)"),
        (ICD10, "E11", "Type 2 diabetes mellitus"),
    ),
    "chronic_kidney_disease": (
        (SNOMED, "433144002", "Chronic kidney disease stage 3 (disorder)"),
        (ICD10, "N18", "Chronic kidney disease"),
    ),
    "atrial_fibrillation": (
        (SNOMED, "49436004", "Atrial fibrillation (disorder)"),
        (ICD10, "I48.91", "Unspecified atrial fibrillation"),
    ),
}
# SNOMED CT for the other conditions carebundle writes with ICD-10-CM only.
EXTRA_SNOMED: dict[str, Code] = {
    "E66": (SNOMED, "414916001", "Obesity (disorder)"),
    "D50": (SNOMED, "87522002", "Iron deficiency anemia (disorder)"),
    "D63.1": (SNOMED, "707323002", "Anemia in chronic kidney disease (disorder)"),
    "D64": (SNOMED, "271737000", "Anemia (disorder)"),
    "E03": (SNOMED, "40930008", "Hypothyroidism (disorder)"),
    "E78.0": (SNOMED, "13644009", "Hypercholesterolemia (disorder)"),
    "E78.5": (SNOMED, "55822004", "Hyperlipidemia (disorder)"),
    "I25": (SNOMED, "53741008", "Coronary arteriosclerosis (disorder)"),
}

ANTICOAGULANTS: dict[str, Code] = {
    "warfarin": (RXNORM, "855332", "warfarin sodium 5 MG Oral Tablet"),
    "apixaban": (RXNORM, "1364445", "apixaban 5 MG Oral Tablet"),
    "rivaroxaban": (RXNORM, "1232086", "rivaroxaban 20 MG Oral Tablet"),
    "heparin": (RXNORM, "1361615", "heparin sodium, porcine 5000 UNT/ML Injectable Solution"),
}
ANTIHYPERTENSIVE_INGREDIENTS = (
    "lisinopril",
    "enalapril",
    "ramipril",
    "losartan",
    "valsartan",
    "amlodipine",
    "hydrochlorothiazide",
    "chlorthalidone",
    "metoprolol",
    "carvedilol",
    "furosemide",
    "spironolactone",
)
LISINOPRIL: Code = (RXNORM, "314076", "lisinopril 10 MG Oral Tablet")


def concept(*codes: Code) -> dict[str, Any]:
    """A CodeableConcept whose text is the first code's display."""
    return {
        "coding": [{"system": s, "code": c, "display": d} for s, c, d in codes],
        "text": codes[0][2],
    }


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}
