"""Codes the report service writes, each from its published code system."""

from typing import Final

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
DICOM_DCM: Final = "http://dicom.nema.org/resources/ontology/DCM"
V2_0074: Final = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_INTERPRETATION: Final = (
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
)
PROVENANCE_PARTICIPANT: Final = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
MEDIA_TYPE: Final = "http://terminology.hl7.org/CodeSystem/media-type"
ACT_PRIORITY: Final = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
DOCUMENT_COMPLETION: Final = "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion"

# One DiagnosticReport per study: this identifier's value is the Study Instance UID.
REPORT_IDENTIFIER_SYSTEM: Final = "urn:radcds:diagnostic-report"
RISK_IDENTIFIER_SYSTEM: Final = "urn:radcds:risk-assessment"
# One key image Media per study and finding: "<Study Instance UID>/<Observation id>".
KEY_IMAGE_IDENTIFIER_SYSTEM: Final = "urn:radcds:key-image"
# Which result set a report version was composed from (ComposeRequest.result_set_digest).
RESULT_SET_EXTENSION: Final = "https://radcds.dev/fhir/StructureDefinition/result-set-digest"

# LOINC document codes for the study types radcds reports on; the radiology report
# code 18748-4 ("Diagnostic imaging study") for anything else.
STUDY_REPORT_CODES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("CT", "HEAD"): ("30799-1", "CT Head WO contrast"),
    ("CT", "BRAIN"): ("30799-1", "CT Head WO contrast"),
    ("CT", "CHEST"): ("29252-4", "CT Chest WO contrast"),
}
GENERIC_REPORT_CODE: Final = ("18748-4", "Diagnostic imaging study")

# v3-ObservationInterpretation codes meaning a finding is present or absent.
POSITIVE_INTERPRETATIONS: Final = frozenset({"POS", "A", "AA", "DET"})
NEGATIVE_INTERPRETATIONS: Final = frozenset({"NEG", "N", "ND"})

# SNOMED CT 281900007 |No abnormality detected (finding)|.
NO_ABNORMALITY: Final = (SNOMED, "281900007", "No abnormality detected")

# HL7 v3 ActPriority (terminology.hl7.org CodeSystem v3-ActPriority): code -> display.
ACT_PRIORITY_DISPLAY: Final = {
    "A": "ASAP",
    "CR": "callback results",
    "CS": "callback for scheduling",
    "CSP": "callback placer for scheduling",
    "CSR": "contact recipient for scheduling",
    "EL": "elective",
    "EM": "emergency",
    "P": "preop",
    "PRN": "as needed",
    "R": "routine",
    "RR": "rush reporting",
    "S": "stat",
    "T": "timing critical",
    "UD": "use as directed",
    "UR": "urgent",
}
