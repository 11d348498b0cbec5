"""A patient's FHIR R4 Bundle, indexed for the calculators' lookups."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TypeVar

import orjson

from radcds_risk.fhir.codes import OBSERVATION_CODES
from radcds_risk.fhir.elements import (
    InvalidFhir,
    JsonObject,
    birth_date,
    codings,
    obj,
    objects,
    string,
)
from radcds_risk.fhir.lookup import Found, Lookup, Missing
from radcds_risk.fhir.units import UnitTable
from radcds_risk.fhir.valuesets import ValueSet
from radcds_risk.fhir.views import (
    Codes,
    ConditionView,
    MedicationView,
    ObservationView,
    Reading,
    StudyView,
    condition_view,
    medication_view,
    observation_view,
    reference_key,
    study_view,
)
from radcds_risk.findings import FINDING_SYSTEM

US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
# OMB race categories (urn:oid:2.16.840.1.113883.6.238, CDC Race & Ethnicity code set).
OMB_WHITE = "2106-3"
OMB_BLACK = "2054-5"

T = TypeVar("T")


def _some(view: T | None) -> list[T]:
    return [] if view is None else [view]


def _is_read(codes: Codes) -> bool:
    """Whether a calculator reads an Observation with these codes (its own or a component's)."""
    return any(pair in OBSERVATION_CODES or pair[0] == FINDING_SYSTEM for pair in codes)


def _window(lookback: timedelta) -> str:
    hours = lookback.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 72 else f"{lookback.days} days"


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class PatientRecord:
    """The resources of one patient's Bundle that the calculators read."""

    def __init__(self) -> None:
        self.patient: JsonObject | None = None
        self.patient_reference: str | None = None
        self._readings: dict[tuple[str, str], list[Reading]] = defaultdict(list)
        self.observations: list[ObservationView] = []
        self.condition_views: list[ConditionView] = []
        self.medications: list[MedicationView] = []
        self.studies: list[StudyView] = []
        self.family_history: list[tuple[str, Codes]] = []

    @classmethod
    def from_json(cls, raw: bytes) -> "PatientRecord":
        try:
            bundle = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise InvalidFhir(f"patient bundle is not JSON: {error}") from error
        return cls.from_bundle(obj(bundle, "Bundle"))

    @classmethod
    def from_bundle(cls, bundle: JsonObject) -> "PatientRecord":
        if bundle.get("resourceType") != "Bundle":
            raise InvalidFhir("patient bundle must have resourceType 'Bundle'")
        entries = []
        for i, entry in enumerate(objects(bundle, "entry", "Bundle")):
            resource = obj(entry.get("resource"), f"Bundle.entry[{i}].resource")
            if not isinstance(resource.get("resourceType"), str):
                raise InvalidFhir(f"Bundle.entry[{i}].resource has no resourceType")
            entries.append((resource, reference_key(resource, string(entry, "fullUrl", "entry"))))
        record = cls()
        medications = {key: res for res, key in entries if res["resourceType"] == "Medication"}
        for resource, key in entries:
            record._add(resource, key, medications)
        if record.patient is None:
            raise InvalidFhir("patient bundle holds no Patient")
        return record

    def _add(self, resource: JsonObject, key: str, medications: dict[str, JsonObject]) -> None:
        kind = resource["resourceType"]
        if kind == "Patient":
            if self.patient is not None:
                raise InvalidFhir("patient bundle holds more than one Patient")
            self.patient, self.patient_reference = resource, key
        elif kind == "Observation":
            self._add_observation(resource, key)
        elif kind == "Condition":
            self.condition_views.extend(_some(condition_view(resource, key)))
        elif kind in ("MedicationRequest", "MedicationStatement"):
            self.medications.extend(_some(medication_view(resource, key, medications)))
        elif kind in ("ImagingStudy", "Procedure"):
            self.studies.extend(_some(study_view(resource, key)))
        elif kind == "FamilyMemberHistory":
            conditions = objects(resource, "condition", key)
            found = [p for c in conditions for p in codings(c.get("code"), f"{key}.condition")]
            self.family_history.append((key, found))

    def _add_observation(self, resource: JsonObject, key: str) -> None:
        found = observation_view(resource, key, _is_read)
        if found is None:
            return
        view, every_code = found
        self.observations.append(view)
        for pair in every_code:
            self._readings[pair].append(Reading(view, pair))

    def age_years(self, as_of: datetime) -> Lookup[int]:
        text = string(self.patient, "birthDate", "Patient") if self.patient else None
        if not text:
            return Missing("age", "Patient.birthDate is not recorded")
        born = birth_date(text, "Patient.birthDate")
        if born > as_of.date():
            raise InvalidFhir("Patient.birthDate is after the assessment time")
        return Found(_age_on(born, as_of.date()), self._patient_basis())

    def sex(self) -> Lookup[str]:
        gender = string(self.patient, "gender", "Patient") if self.patient else None
        if gender not in ("male", "female"):
            reason = "is not recorded" if gender is None else f"is {gender!r}"
            return Missing("sex", f"Patient.gender {reason}; the equations need male or female")
        return Found(gender, self._patient_basis())

    def omb_race(self) -> Lookup[str]:
        """The US Core race extension's OMB categories: 'white', 'black' or 'other'."""
        categories = set()
        for ext in objects(self.patient or {}, "extension", "Patient"):
            if ext.get("url") != US_CORE_RACE:
                continue
            for sub in objects(ext, "extension", "Patient.extension"):
                if sub.get("url") == "ombCategory":
                    coding = obj(sub.get("valueCoding"), "ombCategory.valueCoding")
                    categories.add(string(coding, "code", "ombCategory.valueCoding"))
        if not categories:
            return Missing("race", "US Core race extension (ombCategory) is not recorded")
        if OMB_BLACK in categories:
            return Found("black", self._patient_basis())
        return Found("white" if OMB_WHITE in categories else "other", self._patient_basis())

    def _patient_basis(self) -> tuple[str, ...]:
        return (self.patient_reference,) if self.patient_reference else ()

    def readings(self, value_set: ValueSet, as_of: datetime, lookback: timedelta) -> list[Reading]:
        """Readings of the value set in [as_of - lookback, as_of], oldest first."""
        start = as_of - lookback
        found = [
            reading
            for pair in value_set.codes
            for reading in self._readings.get(pair, ())
            if reading.view.effective is not None and start <= reading.view.effective <= as_of
        ]
        return sorted(found, key=lambda r: r.view.effective or as_of)

    def latest_reading(
        self, value_set: ValueSet, as_of: datetime, lookback: timedelta
    ) -> Reading | None:
        """The most recent reading of the value set in [as_of - lookback, as_of]."""
        found = self.readings(value_set, as_of, lookback)
        return found[-1] if found else None

    def latest_quantity(
        self,
        name: str,
        value_set: ValueSet,
        table: UnitTable,
        as_of: datetime,
        lookback: timedelta,
    ) -> Lookup[float]:
        reading = self.latest_reading(value_set, as_of, lookback)
        if reading is None:
            return Missing(name, f"no {value_set.name} in the {_window(lookback)} before")
        view, quantity = reading.view, reading.quantity
        if quantity is None:
            return Missing(name, f"{view.reference} has no numeric value")
        value = table.convert(quantity.value, quantity.unit)
        if value is None:
            return Missing(
                name,
                f"{view.reference}: unit {quantity.unit!r} is not convertible to {table.canonical}",
            )
        return Found(value, (view.reference,))

    def conditions(self, value_set: ValueSet, *, history: bool = False) -> list[str]:
        """References of matching conditions: active ones, or any recorded when `history`."""
        return [
            c.reference
            for c in self.condition_views
            if (history or c.active) and value_set.matches(c.codes)
        ]

    def active_medications(self, value_set: ValueSet) -> list[tuple[str, str]]:
        """(reference, ingredient or code) of active medications in the value set."""
        found = []
        for med in self.medications:
            if value_set.matches(med.codes, med.words):
                found.append((med.reference, value_set.ingredient_in(med.words) or "drug"))
        return found

    def family_history_of(self, value_set: ValueSet) -> list[str]:
        return [ref for ref, pairs in self.family_history if value_set.matches(pairs)]

    def studies_with_code(self, order_codes: Codes) -> list[StudyView]:
        wanted = set(order_codes)
        return [s for s in self.studies if wanted.intersection(s.codes)]

    def results_of(self, study_reference: str) -> list[ObservationView]:
        return [o for o in self.observations if study_reference in o.derived_from]
