"""Fleischner Society 2017 follow-up of incidental pulmonary nodules.

MacMahon H, Naidich DP, Goo JM, et al. Guidelines for Management of Incidental Pulmonary
Nodules Detected on CT Images: From the Fleischner Society 2017. Radiology.
2017;284(1):228-243. doi:10.1148/radiol.2017161659. Table 1.
Applies to incidental nodules in adults aged 35 or more; not to lung cancer screening,
patients with a known primary cancer, or immunosuppressed patients.
"""

from dataclasses import dataclass
from enum import StrEnum

from radcds_risk.calculators.nodule_types import NoduleType

CITATION = (
    "MacMahon H et al. Guidelines for Management of Incidental Pulmonary Nodules Detected on "
    "CT Images: From the Fleischner Society 2017. Radiology. 2017;284(1):228-243. "
    "doi:10.1148/radiol.2017161659"
)

MINIMUM_AGE_YEARS = 35


class PatientRisk(StrEnum):
    # MacMahon 2017, "Risk Factors": smoking (30 pack-years or more, quit within 15 years, as
    # in NLST, indicates high risk), family history of lung cancer, emphysema and others.
    # Subsolid nodule management is independent of these categories.
    LOW = "low"
    HIGH = "high"


@dataclass(frozen=True)
class FleischnerRecommendation:
    text: str
    # Whether the recommendation differs between low- and high-risk patients.
    risk_dependent: bool
    # Whether it asks for any follow-up at all.
    follow_up: bool


def _size_band(diameter_mm: float) -> str:
    if diameter_mm < 6:
        return "<6"
    return "6-8" if diameter_mm <= 8 else ">8"


_SOLID_SINGLE = {
    ("<6", PatientRisk.LOW): "No routine follow-up.",
    ("<6", PatientRisk.HIGH): "Optional CT at 12 months.",
    ("6-8", PatientRisk.LOW): "CT at 6-12 months, then consider CT at 18-24 months.",
    ("6-8", PatientRisk.HIGH): "CT at 6-12 months, then CT at 18-24 months.",
    (">8", PatientRisk.LOW): "Consider CT at 3 months, PET/CT, or tissue sampling.",
    (">8", PatientRisk.HIGH): "Consider CT at 3 months, PET/CT, or tissue sampling.",
}
_SOLID_MULTIPLE = {
    ("<6", PatientRisk.LOW): "No routine follow-up.",
    ("<6", PatientRisk.HIGH): "Optional CT at 12 months.",
    ("6-8", PatientRisk.LOW): "CT at 3-6 months, then consider CT at 18-24 months.",
    ("6-8", PatientRisk.HIGH): "CT at 3-6 months, then CT at 18-24 months.",
    (">8", PatientRisk.LOW): "CT at 3-6 months, then consider CT at 18-24 months.",
    (">8", PatientRisk.HIGH): "CT at 3-6 months, then CT at 18-24 months.",
}
_SUBSOLID = {
    (NoduleType.NONSOLID, False, False): "No routine follow-up.",
    (NoduleType.NONSOLID, False, True): (
        "CT at 6-12 months to confirm persistence, then CT every 2 years until 5 years."
    ),
    (NoduleType.PART_SOLID, False, False): "No routine follow-up.",
    (NoduleType.PART_SOLID, False, True): (
        "CT at 3-6 months to confirm persistence. If unchanged and solid component remains "
        "<6 mm, annual CT should be performed for 5 years."
    ),
    (NoduleType.NONSOLID, True, False): (
        "CT at 3-6 months. If stable, consider CT at 2 and 4 years."
    ),
    (NoduleType.NONSOLID, True, True): (
        "CT at 3-6 months. Subsequent management based on the most suspicious nodule(s)."
    ),
}
_SUBSOLID[(NoduleType.PART_SOLID, True, False)] = _SUBSOLID[(NoduleType.NONSOLID, True, False)]
_SUBSOLID[(NoduleType.PART_SOLID, True, True)] = _SUBSOLID[(NoduleType.NONSOLID, True, True)]


def needs_patient_risk(diameter_mm: float, nodule_type: NoduleType, multiple: bool) -> bool:
    """Whether Table 1 gives different advice for low- and high-risk patients here."""
    if nodule_type is not NoduleType.SOLID:
        return False
    return multiple or _size_band(diameter_mm) != ">8"


def fleischner_2017(
    *, diameter_mm: float, nodule_type: NoduleType, multiple: bool, risk: PatientRisk | None
) -> FleischnerRecommendation:
    """Table 1 recommendation; `risk` may be None only where the table does not depend on it."""
    if diameter_mm <= 0:
        raise ValueError("nodule diameter must be positive")
    dependent = needs_patient_risk(diameter_mm, nodule_type, multiple)
    if dependent and risk is None:
        raise ValueError("this nodule's recommendation depends on the patient's risk")
    if nodule_type is NoduleType.SOLID:
        table = _SOLID_MULTIPLE if multiple else _SOLID_SINGLE
        text = table[(_size_band(diameter_mm), risk or PatientRisk.LOW)]
    else:
        text = _SUBSOLID[(nodule_type, multiple, diameter_mm >= 6)]
    return FleischnerRecommendation(
        text=text, risk_dependent=dependent, follow_up=not text.startswith("No routine")
    )
