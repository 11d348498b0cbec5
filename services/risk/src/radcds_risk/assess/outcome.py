"""What one calculator run yields, before it becomes a RiskAssessment."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from radcds_risk.alerts import AlertLevel
from radcds_risk.fhir.lookup import Found, Lookup, Missing

T = TypeVar("T")


class Status(StrEnum):
    COMPUTED = "computed"
    MISSING_INPUT = "missing_input"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Prediction:
    outcome: str
    # SNOMED CT code of the outcome, where one fits.
    outcome_snomed: str | None = None
    probability: float | None = None
    # http://terminology.hl7.org/CodeSystem/risk-probability: negligible, low, moderate, high.
    qualitative: str | None = None
    # Time frame: (value, UCUM unit), e.g. (10, "a").
    horizon: tuple[float, str] | None = None


@dataclass(frozen=True)
class Outcome:
    status: Status
    summary: str
    alert: AlertLevel = AlertLevel.NONE
    missing: tuple[Missing, ...] = ()
    basis: tuple[str, ...] = ()
    prediction: Prediction | None = None
    mitigation: str | None = None


def not_applicable(reason: str) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, reason)


@dataclass
class Inputs:
    """Collects a calculator's inputs, the resources they came from, and what is missing."""

    missing: list[Missing] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)

    def take(self, lookup: Lookup[T]) -> T | None:
        if isinstance(lookup, Missing):
            self.missing.append(lookup)
            return None
        self.cite(*lookup.basis)
        return lookup.value

    def need(self, name: str, value: T | None, reason: str) -> T | None:
        if value is None:
            self.missing.append(Missing(name, reason))
        return value

    def cite(self, *references: str) -> None:
        for reference in references:
            if reference not in self.basis:
                self.basis.append(reference)

    def flag(self, references: list[str]) -> bool:
        """A history item: present when any resource records it (and cited), else absent."""
        self.cite(*references)
        return bool(references)

    def missing_outcome(self, title: str) -> Outcome:
        names = ", ".join(f"{m.name} ({m.reason})" for m in self.missing)
        return Outcome(
            Status.MISSING_INPUT,
            f"{title} not calculated; missing: {names}.",
            missing=tuple(self.missing),
            basis=tuple(self.basis),
        )


def found(value: T, *basis: str) -> Found[T]:
    return Found(value, tuple(basis))
