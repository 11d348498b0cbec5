"""Unit conversion to each calculator's unit, by UCUM code (https://ucum.org).

No maintained UCUM library installs from PyPI, so each analyte has its own small table:
the UCUM codes accepted and the factor to the canonical unit. A unit not in the table is
reported as such; it is never assumed.
"""

from dataclasses import dataclass

# Cholesterol C27H46O, 386.65 g/mol: 1 mmol/L = 38.665 mg/dL.
CHOLESTEROL_MG_DL_PER_MMOL_L = 38.665
# Creatinine C4H7N3O, 113.12 g/mol: 1 mg/dL = 88.42 umol/L.
CREATININE_UMOL_L_PER_MG_DL = 88.42
# 1 kPa = 7.50062 mm Hg.
MM_HG_PER_KPA = 7.50062


@dataclass(frozen=True)
class UnitTable:
    canonical: str
    factors: dict[str, float]

    def convert(self, value: float, unit: str) -> float | None:
        factor = self.factors.get(unit)
        return None if factor is None else value * factor


CHOLESTEROL = UnitTable(
    "mg/dL",
    {"mg/dL": 1.0, "mg/dl": 1.0, "mmol/L": CHOLESTEROL_MG_DL_PER_MMOL_L,
     "mmol/l": CHOLESTEROL_MG_DL_PER_MMOL_L, "g/L": 100.0},
)  # fmt: skip
CREATININE = UnitTable(
    "mg/dL",
    {"mg/dL": 1.0, "mg/dl": 1.0, "umol/L": 1 / CREATININE_UMOL_L_PER_MG_DL,
     "umol/l": 1 / CREATININE_UMOL_L_PER_MG_DL, "µmol/L": 1 / CREATININE_UMOL_L_PER_MG_DL},
)  # fmt: skip
BLOOD_PRESSURE = UnitTable("mm[Hg]", {"mm[Hg]": 1.0, "mmHg": 1.0, "kPa": MM_HG_PER_KPA})
EGFR = UnitTable(
    "mL/min/{1.73_m2}",
    {"mL/min/{1.73_m2}": 1.0, "mL/min/1.73m2": 1.0, "mL/min/1.73_m2": 1.0,
     "mL/min/{1.73m2}": 1.0},
)  # fmt: skip
UNITLESS = UnitTable("1", {"1": 1.0, "{INR}": 1.0, "{ratio}": 1.0, "{score}": 1.0, "": 1.0})
