"""What a lookup in the record returns: a value with the resources it came from, or why not."""

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    value: T
    # References of the resources the value was read from, for RiskAssessment.basis.
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Missing:
    name: str
    reason: str


Lookup = Found[T] | Missing
