"""Typed reads of FHIR R4 JSON elements, checking each value as it is read.

The risk service reads a few elements of a few resource types out of a patient Bundle that
may hold hundreds; it checks what it reads instead of validating every resource with
fhir.resources, which costs several times a whole assessment (bench/risk prints both).
"""

import re
from datetime import UTC, date, datetime
from typing import Any

JsonObject = dict[str, Any]

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class InvalidFhir(ValueError):
    """A resource or element that is not valid FHIR R4 JSON where the service reads it."""


def obj(value: object, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise InvalidFhir(f"{where} must be a JSON object")
    return value


def objects(parent: JsonObject, key: str, where: str) -> list[JsonObject]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidFhir(f"{where}.{key} must be an array")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidFhir(f"{where}.{key}[{i}] must be a JSON object")
    return value


def string(parent: JsonObject, key: str, where: str) -> str | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidFhir(f"{where}.{key} must be a string")
    return value


def boolean(parent: JsonObject, key: str, where: str) -> bool | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidFhir(f"{where}.{key} must be a boolean")
    return value


def number(parent: JsonObject, key: str, where: str) -> float | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFhir(f"{where}.{key} must be a number")
    return float(value)


def codings(concept: JsonObject | None, where: str) -> list[tuple[str, str]]:
    """(system, code) pairs of a CodeableConcept."""
    if concept is None:
        return []
    pairs = []
    for coding in objects(concept, "coding", where):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str | None) or not isinstance(code, str | None):
            raise InvalidFhir(f"{where}.coding: system and code must be strings")
        if system and code:
            pairs.append((system, code))
    return pairs


def concept_words(concept: JsonObject | None, where: str) -> str:
    """The text and coding displays of a CodeableConcept, lower case."""
    if concept is None:
        return ""
    parts = [string(concept, "text", where) or ""]
    for coding in objects(concept, "coding", where):
        parts.append(string(coding, "display", f"{where}.coding") or "")
    return " ".join(parts).lower()


def parse_datetime(text: str, where: str) -> datetime:
    """FHIR dateTime or date, partial dates at their first instant, naive times as UTC."""
    partial = _PARTIAL_DATE.match(text)
    try:
        if partial:
            year, month, day = partial.groups()
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidFhir(f"{where} is not a FHIR dateTime: {text!r}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def datetime_of(parent: JsonObject, key: str, where: str) -> datetime | None:
    text = string(parent, key, where)
    return parse_datetime(text, f"{where}.{key}") if text else None


def period_start(parent: JsonObject, key: str, where: str) -> datetime | None:
    period = parent.get(key)
    if period is None:
        return None
    return datetime_of(obj(period, f"{where}.{key}"), "start", f"{where}.{key}")


def birth_date(text: str, where: str) -> date:
    return parse_datetime(text, where).date()


def reference_of(parent: JsonObject, key: str, where: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    return string(obj(value, f"{where}.{key}"), "reference", f"{where}.{key}")
