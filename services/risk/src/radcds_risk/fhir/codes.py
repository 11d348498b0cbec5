"""Value sets of the calculator inputs.

Sources: LOINC (Regenstrief, loinc.org), SNOMED CT International (snomed.org), ICD-10-CM
(CDC/NCHS), RxNorm (NLM). Codes were chosen from those releases by their preferred names;
they were not pulled from a VSAC expansion (no VSAC access from the build machine).
"""

from radcds_risk.fhir.valuesets import ValueSet, drug_class, loinc, snomed

LAB = "LOINC, Regenstrief Institute"

TOTAL_CHOLESTEROL = ValueSet("total cholesterol", LAB, loinc("2093-3", "14647-2"))
HDL_CHOLESTEROL = ValueSet("HDL cholesterol", LAB, loinc("2085-9", "14646-4"))
# 8480-6 stands alone or as a component of the BP panel 85354-9 (US Core blood pressure).
SYSTOLIC_BP = ValueSet("systolic blood pressure", LAB, loinc("8480-6"))
EGFR = ValueSet(
    "eGFR",
    LAB,
    loinc("33914-3", "48642-3", "48643-1", "62238-1", "98979-8", "88293-6", "88294-4"),
)
INR = ValueSet("INR", LAB, loinc("6301-6", "34714-6", "46418-0"))
CREATININE = ValueSet("serum creatinine", LAB, loinc("2160-0", "14682-9"))
GCS_TOTAL = ValueSet("Glasgow coma score total", LAB, loinc("9269-2"))
SMOKING_STATUS = ValueSet("tobacco smoking status", LAB, loinc("72166-2"))
HCG = ValueSet("hCG pregnancy test", LAB, loinc("2106-3", "2118-8", "21198-7"))
PREGNANCY_STATUS = ValueSet("pregnancy status", LAB, loinc("82810-3"))

# Answers to 72166-2 (the US Core smoking status value set), SNOMED CT.
CURRENT_SMOKER = snomed("449868002", "428041000124106", "77176002", "428071000124103",
                        "428061000124105")  # fmt: skip
FORMER_SMOKER = snomed("8517006")
NEVER_SMOKER = snomed("266919005")
POSITIVE = snomed("10828004")
PREGNANT = snomed("77386006")

ICD_SNOMED = "ICD-10-CM (CDC/NCHS) categories and SNOMED CT concepts"


def condition(name: str, snomed_codes: tuple[str, ...], icd10: tuple[str, ...]) -> ValueSet:
    return ValueSet(name, ICD_SNOMED, snomed(*snomed_codes), icd10_prefixes=icd10)


ATRIAL_FIBRILLATION = condition("atrial fibrillation", ("49436004",), ("I48",))
HEART_FAILURE = condition("congestive heart failure", ("42343007", "84114007"), ("I50",))
HYPERTENSION = condition(
    "hypertension", ("38341003", "59621000"), ("I10", "I11", "I12", "I13", "I15", "I16")
)
DIABETES = condition(
    "diabetes mellitus", ("73211009", "44054006", "46635009"),
    ("E08", "E09", "E10", "E11", "E13"),
)  # fmt: skip
STROKE_TIA_THROMBOEMBOLISM = condition(
    "stroke, TIA or thromboembolism", ("230690007", "266257000", "432504007"),
    ("I63", "I64", "I69.3", "I74", "G45", "Z86.73"),
)  # fmt: skip
VASCULAR_DISEASE = condition(
    "vascular disease (MI, PAD, aortic plaque)", ("22298006", "399211009"),
    ("I21", "I22", "I25.2", "I70", "I73.9"),
)  # fmt: skip
CLINICAL_ASCVD = condition(
    "clinical ASCVD", ("22298006", "399211009", "53741008", "230690007", "432504007"),
    ("I20", "I21", "I22", "I23", "I24", "I25", "I63", "I64", "G45", "I70", "I73.9",
     "Z95.1", "Z95.5", "Z86.73"),
)  # fmt: skip
EMPHYSEMA = condition("emphysema", ("87433001",), ("J43",))
MALIGNANCY = condition("malignant neoplasm", ("363346000",), ("C",))
IMMUNOSUPPRESSION = condition(
    "immunodeficiency", ("86406008", "234532001"), ("B20", "D80", "D81", "D82", "D83", "D84")
)
LUNG_CANCER = condition("malignant neoplasm of lung", ("363358000", "93880001"), ("C34",))
FAMILY_HISTORY_LUNG_CANCER = condition("family history of lung cancer", (), ("Z80.1",))
DIALYSIS = condition("dialysis dependence or ESRD", ("46177005",), ("Z99.2", "N18.6"))
RENAL_TRANSPLANT = condition("kidney transplant", (), ("Z94.0",))
LIVER_DISEASE = condition(
    "chronic liver disease or cirrhosis", ("19943007", "328383001"),
    ("K70.3", "K70.4", "K72.1", "K74", "K76.6"),
)  # fmt: skip
BLEEDING = condition(
    "major bleeding or predisposition", ("131148009",),
    ("I60", "I61", "I62", "K92.0", "K92.1", "K92.2", "D62", "D66", "D67", "D68.0", "D69.6"),
)  # fmt: skip
ALCOHOL_EXCESS = condition("alcohol abuse or dependence", ("7200002", "15167005"),
                           ("F10.1", "F10.2"))  # fmt: skip
PREGNANCY = condition("pregnancy", ("77386006", "72892002"), ("Z33.1", "Z34"))

VITAMIN_K_ANTAGONISTS = drug_class(
    "vitamin K antagonists", {"warfarin": "11289", "acenocoumarol": "154", "phenprocoumon": "8150"}
)
DIRECT_THROMBIN_INHIBITORS = drug_class(
    "direct thrombin inhibitors",
    {"dabigatran": "1546356", "argatroban": "15202", "bivalirudin": "60819"},
)
FACTOR_XA_INHIBITORS = drug_class(
    "factor Xa inhibitors",
    {"apixaban": "1364430", "rivaroxaban": "1114195", "edoxaban": "1599538"},
)
UNFRACTIONATED_HEPARIN = drug_class("unfractionated heparin", {"heparin": "5224"})
LOW_MOLECULAR_WEIGHT_HEPARINS = drug_class(
    "low-molecular-weight heparins",
    {"enoxaparin": "67108", "dalteparin": "67109", "tinzaparin": "69528"},
)
PENTASACCHARIDES = drug_class("pentasaccharides", {"fondaparinux": "321208"})
ANTIPLATELETS_AND_NSAIDS = drug_class(
    "antiplatelet agents and NSAIDs",
    {"aspirin": "1191", "clopidogrel": "32968", "prasugrel": "613391", "ticagrelor": "1116632",
     "dipyridamole": "3521", "ibuprofen": "5640", "naproxen": "7258", "diclofenac": "3355",
     "celecoxib": "140587", "meloxicam": "41493", "indomethacin": "5781",
     "ketorolac": "35827"},
)  # fmt: skip
METFORMIN = drug_class("metformin", {"metformin": "6809"})
ANTIHYPERTENSIVES = drug_class(
    "antihypertensives",
    {"lisinopril": "29046", "enalapril": "3827", "ramipril": "35296", "benazepril": "18867",
     "captopril": "1998", "amlodipine": "17767", "nifedipine": "7417", "diltiazem": "3443",
     "verapamil": "11170", "losartan": "52175", "valsartan": "69749", "irbesartan": "83818",
     "candesartan": "214354", "telmisartan": "73494", "olmesartan": "118463",
     "hydrochlorothiazide": "5487", "chlorthalidone": "2409", "indapamide": "5764",
     "metoprolol": "6918", "atenolol": "1202", "carvedilol": "20352", "bisoprolol": "19484",
     "propranolol": "8787", "spironolactone": "9997", "furosemide": "4603",
     "hydralazine": "5470", "clonidine": "2599"},
)  # fmt: skip

# Every observation code a calculator reads; other Observations in a Bundle are not parsed.
OBSERVATION_CODES = frozenset().union(
    *(vs.codes for vs in (TOTAL_CHOLESTEROL, HDL_CHOLESTEROL, SYSTOLIC_BP, EGFR, INR,
                          CREATININE, GCS_TOTAL, SMOKING_STATUS, HCG, PREGNANCY_STATUS))
)  # fmt: skip
