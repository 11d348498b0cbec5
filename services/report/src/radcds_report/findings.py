"""AI findings as the report shows them, read from their FHIR Observations.

Rendering is generic: a finding's name, measurements and whether it is
present come from the Observation itself (code, components, interpretation),
so a site's own models report without changes here.
"""

from dataclasses import dataclass, field
from typing import Any

from radcds_report.vocabulary import (
    ACT_PRIORITY,
    ACT_PRIORITY_DISPLAY,
    NEGATIVE_INTERPRETATIONS,
    OBSERVATION_INTERPRETATION,
    POSITIVE_INTERPRETATIONS,
    SNOMED,
)

Resource = dict[str, Any]
# Components that point at DICOM objects (the key image, the SEG): for machines, not people.
REFERENCE_COMPONENTS = frozenset({"key-image", "segmentation"})


@dataclass(frozen=True)
class Measurement:
    name: str
    value: str


@dataclass(frozen=True)
class Finding:
    reference: str
    name: str
    present: bool | None
    measurements: list[Measurement] = field(default_factory=list)
    snomed: tuple[str, str] | None = None
    device: str | None = None


def concept_text(concept: Resource | None) -> str:
    if not concept:
        return ""
    for coding in concept.get("coding", []):
        if coding.get("system") == ACT_PRIORITY and coding.get("code") in ACT_PRIORITY_DISPLAY:
            return ACT_PRIORITY_DISPLAY[coding["code"]]
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    codings = concept.get("coding", [])
    return str(codings[0].get("code", "")) if codings else ""


def _format_number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def value_text(element: Resource) -> str | None:
    """The value[x] of an Observation or component, for a person to read."""
    if "valueQuantity" in element:
        quantity = element["valueQuantity"]
        unit = quantity.get("unit") or quantity.get("code") or ""
        unit = "" if unit == "1" else f" {unit}"
        return f"{_format_number(float(quantity.get('value', 0)))}{unit}"
    if "valueBoolean" in element:
        return "yes" if element["valueBoolean"] else "no"
    if "valueCodeableConcept" in element:
        return concept_text(element["valueCodeableConcept"])
    for key in ("valueInteger", "valueString", "valueDecimal"):
        if key in element:
            return str(element[key])
    return None


def _presence(observation: Resource) -> bool | None:
    for concept in observation.get("interpretation", []):
        for coding in concept.get("coding", []):
            if coding.get("system") != OBSERVATION_INTERPRETATION:
                continue
            if coding.get("code") in POSITIVE_INTERPRETATIONS:
                return True
            if coding.get("code") in NEGATIVE_INTERPRETATIONS:
                return False
    if isinstance(observation.get("valueBoolean"), bool):
        return bool(observation["valueBoolean"])
    return None


def _snomed(observation: Resource) -> tuple[str, str] | None:
    for coding in observation.get("code", {}).get("coding", []):
        if coding.get("system") == SNOMED and coding.get("code"):
            return str(coding["code"]), str(coding.get("display", ""))
    return None


def _codes(element: Resource) -> set[str]:
    return {str(c.get("code")) for c in element.get("code", {}).get("coding", [])}


def read_finding(observation: Resource) -> Finding:
    measurements = [
        Measurement(concept_text(component.get("code")), text)
        for component in observation.get("component", [])
        if not _codes(component) & REFERENCE_COMPONENTS
        and (text := value_text(component)) is not None
    ]
    return Finding(
        reference=f"Observation/{observation['id']}",
        name=concept_text(observation.get("code")) or "AI finding",
        present=_presence(observation),
        measurements=measurements,
        snomed=_snomed(observation),
        device=observation.get("device", {}).get("reference"),
    )
