"""Brock University (PanCan) probability that a lung nodule is malignant.

McWilliams A, Tammemagi MC, Mayo JR, et al. Probability of cancer in pulmonary nodules
detected on first screening CT. N Engl J Med. 2013;369(10):910-919. doi:10.1056/NEJMoa1214726.
Full model with spiculation, with its centring: age - 62,
(size / 10) ** -0.5 - 1.58113883 (1.58113883 = 4 mm transformed), nodule count - 4.
"""

import math
from dataclasses import dataclass

from radcds_risk.calculators.nodule_types import NoduleType

CITATION = (
    "McWilliams A et al. Probability of cancer in pulmonary nodules detected on first "
    "screening CT. N Engl J Med. 2013;369(10):910-919. doi:10.1056/NEJMoa1214726"
)

INTERCEPT = -6.7892
AGE = 0.0287
FEMALE = 0.6011
FAMILY_HISTORY = 0.2961
EMPHYSEMA = 0.2953
SIZE = -5.3854
UPPER_LOBE = 0.6581
COUNT = -0.0824
SPICULATION = 0.7729
NODULE_TYPE = {NoduleType.SOLID: 0.0, NoduleType.PART_SOLID: 0.377, NoduleType.NONSOLID: -0.1276}

AGE_CENTRE = 62.0
SIZE_CENTRE = 1.58113883
COUNT_CENTRE = 4


@dataclass(frozen=True)
class BrockInputs:
    age_years: float
    female: bool
    family_history_lung_cancer: bool
    emphysema: bool
    diameter_mm: float
    nodule_type: NoduleType
    upper_lobe: bool
    nodule_count: int
    spiculation: bool


def brock_logit(inputs: BrockInputs) -> float:
    if inputs.diameter_mm <= 0:
        raise ValueError("nodule diameter must be positive")
    if inputs.nodule_count < 1:
        raise ValueError("nodule count must be at least 1")
    size_term = math.pow(inputs.diameter_mm / 10.0, -0.5) - SIZE_CENTRE
    return (
        INTERCEPT
        + AGE * (inputs.age_years - AGE_CENTRE)
        + FEMALE * inputs.female
        + FAMILY_HISTORY * inputs.family_history_lung_cancer
        + EMPHYSEMA * inputs.emphysema
        + SIZE * size_term
        + NODULE_TYPE[inputs.nodule_type]
        + UPPER_LOBE * inputs.upper_lobe
        + COUNT * (inputs.nodule_count - COUNT_CENTRE)
        + SPICULATION * inputs.spiculation
    )


def brock_probability(inputs: BrockInputs) -> float:
    """Probability of malignancy, 0-1."""
    return 1.0 / (1.0 + math.exp(-brock_logit(inputs)))
