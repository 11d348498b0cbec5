"""Coded concepts the SR is written in (PS3.16), each from its coding scheme.

SNOMED CT and DCM codes are those PS3.16 lists (pydicom's copy of its tables); the lobes
are the SNOMED CT body structures of the lungs. Where no standard concept fits an AI
output (intraventricular extension, infratentorial site, nodule texture) the concept comes
from the private scheme 99RADCDS, which mirrors the FHIR code system the AI writes; PS3.3
8.2 reserves designators starting with "99" for such private schemes.
"""

from typing import Final

from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset

PRIVATE_SCHEME: Final = "99RADCDS"
FINDING_SYSTEM: Final = "https://radcds.dev/fhir/CodeSystem/ai-finding"
SNOMED_SYSTEM: Final = "http://snomed.info/sct"
LOINC_SYSTEM: Final = "http://loinc.org"
UCUM_SYSTEM: Final = "http://unitsofmeasure.org"

# FHIR code system URI -> DICOM Coding Scheme Designator (PS3.16 Section 8).
SCHEME_OF_SYSTEM: Final = {SNOMED_SYSTEM: "SCT", LOINC_SYSTEM: "LN", FINDING_SYSTEM: PRIVATE_SCHEME}

YES: Final = CodedConcept("373066001", "SCT", "Yes")
NO: Final = CodedConcept("373067005", "SCT", "No")
PRESENT: Final = CodedConcept("52101004", "SCT", "Present")
ABSENT: Final = CodedConcept("272519000", "SCT", "Absent")
IMAGING_PROCEDURE: Final = CodedConcept("363679005", "SCT", "Imaging procedure")
AI_FINDING: Final = CodedConcept("365853002", "SCT", "Imaging finding")

# Measurement names of the AI finding components (TID 300 Measurement, in TID 1501/1411).
MEASUREMENT_NAMES: Final = {
    "ich-volume": CodedConcept("118565006", "SCT", "Volume"),
    "nodule-diameter": CodedConcept("81827009", "SCT", "Diameter"),
    "ich-probability": CodedConcept("122157", "DCM", "Probability"),
}

# UCUM units as DICOM writes them (CID 7181 spells the litre in lower case).
UNITS: Final = {
    "mL": CodedConcept("ml", "UCUM", "milliliter"),
    "mm": CodedConcept("mm", "UCUM", "millimeter"),
    "1": CodedConcept("1", "UCUM", "no units"),
}

# The FHIR finding's lobe codes -> SNOMED CT body structures, used as Finding Site.
LOBES: Final = {
    "RUL": CodedConcept("42400003", "SCT", "Structure of upper lobe of right lung"),
    "RML": CodedConcept("72481006", "SCT", "Structure of middle lobe of right lung"),
    "RLL": CodedConcept("266005", "SCT", "Structure of lower lobe of right lung"),
    "LUL": CodedConcept("44714003", "SCT", "Structure of upper lobe of left lung"),
    "LLL": CodedConcept("41224006", "SCT", "Structure of lower lobe of left lung"),
}
LOBE_COMPONENT: Final = "nodule-lobe"

# Finding types when the Observation carries no SNOMED CT code of its own.
FINDING_TYPES: Final = {
    "intracranial-hemorrhage": CodedConcept("1386000", "SCT", "Intracranial hemorrhage"),
    "lung-nodule": CodedConcept("27925004", "SCT", "Nodule"),
}


def private_concept(code: str, meaning: str) -> CodedConcept:
    return CodedConcept(code, PRIVATE_SCHEME, meaning[:64] or code)


def priority_concept(code: str, display: str) -> CodedConcept:
    """An HL7 v3 ActPriority code (the AI triage priority): PS3.16 has no designator for that
    code system, so it is carried in the private scheme, its meaning the HL7 display."""
    return private_concept(f"ActPriority-{code}", display)


def private_scheme_identification() -> Dataset:
    """The Coding Scheme Identification item for 99RADCDS (PS3.3 C.12.1, Table C.12-1)."""
    item = Dataset()
    item.CodingSchemeDesignator = PRIVATE_SCHEME
    item.CodingSchemeName = "radcds AI finding codes"
    item.CodingSchemeResponsibleOrganization = "radcds"
    item.CodingSchemeVersion = "1"
    return item
