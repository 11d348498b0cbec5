"""The parts of each FHIR resource the calculators read, checked as they are read."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from radcds_risk.fhir.elements import (
    JsonObject,
    codings,
    concept_words,
    datetime_of,
    number,
    obj,
    objects,
    period_start,
    reference_of,
    string,
)

Codes = list[tuple[str, str]]
OBSERVATION_STATUSES = {"final", "amended", "corrected", "preliminary"}


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str


class ObservationView:
    """An Observation a calculator may read: codes and time checked now, values when read."""

    __slots__ = ("_resource", "codes", "effective", "reference")

    def __init__(self, reference: str, codes: Codes, effective: datetime | None,
                 resource: JsonObject) -> None:  # fmt: skip
        self.reference = reference
        self.codes = codes
        self.effective = effective
        self._resource = resource

    def quantity_for(self, pair: tuple[str, str]) -> Quantity | None:
        """The value under this code: the Observation's own, or its component's."""
        where = self.reference
        if pair in self.codes:
            return quantity_of(self._resource, "valueQuantity", where)
        for component in objects(self._resource, "component", where):
            if pair in _concept(component, "code", where):
                return quantity_of(component, "valueQuantity", f"{where}.component")
        return None

    @property
    def answer(self) -> Codes:
        return _concept(self._resource, "valueCodeableConcept", self.reference)

    @property
    def interpretation(self) -> Codes:
        where = self.reference
        concepts = objects(self._resource, "interpretation", where)
        return [pair for concept in concepts for pair in codings(concept, where)]

    @property
    def derived_from(self) -> list[str]:
        refs = objects(self._resource, "derivedFrom", self.reference)
        return [r for ref in refs if (r := string(ref, "reference", self.reference))]


@dataclass(frozen=True)
class Reading:
    view: ObservationView
    pair: tuple[str, str]

    @property
    def quantity(self) -> Quantity | None:
        return self.view.quantity_for(self.pair)


@dataclass(frozen=True)
class ConditionView:
    reference: str
    codes: Codes
    active: bool


@dataclass(frozen=True)
class MedicationView:
    reference: str
    codes: Codes
    words: str


@dataclass(frozen=True)
class StudyView:
    reference: str
    codes: Codes
    performed: datetime | None


def reference_key(resource: JsonObject, full_url: str | None) -> str:
    rid = resource.get("id")
    if isinstance(rid, str) and rid:
        return f"{resource['resourceType']}/{rid}"
    return full_url or f"{resource['resourceType']}/(no id)"


def quantity_of(parent: JsonObject, key: str, where: str) -> Quantity | None:
    raw = parent.get(key)
    if raw is None:
        return None
    q = obj(raw, f"{where}.{key}")
    value = number(q, "value", f"{where}.{key}")
    if value is None:
        return None
    unit = string(q, "code", f"{where}.{key}") or string(q, "unit", f"{where}.{key}") or ""
    return Quantity(value, unit)


def _concept(parent: JsonObject, key: str, where: str) -> Codes:
    raw = parent.get(key)
    return codings(obj(raw, f"{where}.{key}"), f"{where}.{key}") if raw is not None else []


def _effective(resource: JsonObject, where: str) -> datetime | None:
    return (
        datetime_of(resource, "effectiveDateTime", where)
        or period_start(resource, "effectivePeriod", where)
        or datetime_of(resource, "effectiveInstant", where)
        or datetime_of(resource, "issued", where)
    )


def observation_view(
    resource: JsonObject, key: str, wanted: Callable[[Codes], bool]
) -> tuple[ObservationView, Codes] | None:
    """The view and every code it is found by (its own and its components'), or None when it
    is not final-like or `wanted` refuses its codes."""
    codes = _concept(resource, "code", key)
    every = codes + [
        pair for c in objects(resource, "component", key) for pair in _concept(c, "code", key)
    ]
    if not wanted(every) or string(resource, "status", key) not in OBSERVATION_STATUSES:
        return None
    return ObservationView(key, codes, _effective(resource, key), resource), every


def condition_view(resource: JsonObject, key: str) -> ConditionView | None:
    verification = {code for _, code in _concept(resource, "verificationStatus", key)}
    if verification & {"refuted", "entered-in-error"}:
        return None
    clinical = {code for _, code in _concept(resource, "clinicalStatus", key)}
    active = not clinical or bool(clinical & {"active", "recurrence", "relapse"})
    return ConditionView(key, _concept(resource, "code", key), active)


def medication_view(
    resource: JsonObject, key: str, medications: dict[str, JsonObject]
) -> MedicationView | None:
    if string(resource, "status", key) not in {"active", "intended", "on-hold"}:
        return None
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        target = reference_of(resource, "medicationReference", key) or ""
        contained = {f"#{c.get('id')}": c for c in objects(resource, "contained", key)}
        medication = contained.get(target) or medications.get(target)
        concept = medication.get("code") if medication else None
    if concept is None:
        return None
    concept = obj(concept, f"{key}.medication")
    return MedicationView(key, codings(concept, key), concept_words(concept, key))


def study_view(resource: JsonObject, key: str) -> StudyView | None:
    kind = resource["resourceType"]
    if kind == "ImagingStudy":
        codes = [
            pair
            for i, c in enumerate(objects(resource, "procedureCode", key))
            for pair in codings(c, f"{key}.procedureCode[{i}]")
        ]
        return StudyView(key, codes, datetime_of(resource, "started", key))
    if string(resource, "status", key) != "completed":
        return None
    performed = datetime_of(resource, "performedDateTime", key) or period_start(
        resource, "performedPeriod", key
    )
    return StudyView(key, _concept(resource, "code", key), performed)
