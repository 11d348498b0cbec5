"""Who and what a synthetic study belongs to: identifiers, dates and seeded UIDs.

The same (seed, patient index) gives the same identifiers and UIDs, so a regenerated cohort is
byte-identical. Everything here is synthetic but treated as PHI: never log it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydicom.uid import generate_uid

MRN_ISSUER = "RADCDS-SYNTH"
MRN_SYSTEM = "urn:oid:2.25.267395113455212963651486447325394826315"
ACCESSION_SYSTEM = "urn:oid:2.25.331447612412935306655187785359357113690"


@dataclass(frozen=True)
class UidSource:
    """Deterministic DICOM UIDs (pydicom's root, SHA-512 of the seed and a purpose)."""

    seed: int
    patient_index: int

    def uid(self, purpose: str) -> str:
        entropy = ["radcds-synth", str(self.seed), str(self.patient_index), purpose]
        return str(generate_uid(entropy_srcs=entropy))


@dataclass(frozen=True)
class StudyIdentity:
    """Demographics and identifiers shared by a patient's DICOM study and FHIR record."""

    family_name: str
    given_name: str
    mrn: str
    birth_date: dt.date
    sex: str
    accession_number: str
    study_datetime: dt.datetime
    study_uid: str

    @property
    def dicom_name(self) -> str:
        return f"{self.family_name}^{self.given_name}"

    @property
    def dicom_sex(self) -> str:
        return {"male": "M", "female": "F"}.get(self.sex, "O")

    @property
    def age_years(self) -> int:
        born, seen = self.birth_date, self.study_datetime.date()
        return seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))

    @property
    def dicom_age(self) -> str:
        """Patient's Age as an AS value, e.g. 067Y."""
        return f"{self.age_years:03d}Y"

    @property
    def study_date(self) -> str:
        return self.study_datetime.strftime("%Y%m%d")

    @property
    def study_time(self) -> str:
        return self.study_datetime.strftime("%H%M%S")
