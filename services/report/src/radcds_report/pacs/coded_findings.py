"""AI findings as the SR codes them, read from the finding Observations.

The report's `Finding` (findings.py) carries what people read; the SR needs the numbers
and codes behind it, so each component is read again here: a `valueQuantity` becomes a
numeric measurement in its UCUM unit, a `valueBoolean` a qualitative Yes/No, a coded
value a qualitative evaluation, and the nodule lobe a Finding Site.
"""

from dataclasses import dataclass, field
from typing import Any

from highdicom.sr import CodedConcept

from radcds_report.findings import Finding, concept_text, read_finding
from radcds_report.pacs import codes
from radcds_report.vocabulary import ACT_PRIORITY, ACT_PRIORITY_DISPLAY

Resource = dict[str, Any]


@dataclass(frozen=True)
class NumericValue:
    name: CodedConcept
    value: float
    unit: CodedConcept


@dataclass(frozen=True)
class CodedValue:
    name: CodedConcept
    value: CodedConcept


@dataclass(frozen=True)
class CodedFinding:
    finding: Finding
    finding_type: CodedConcept
    measurements: list[NumericValue] = field(default_factory=list)
    evaluations: list[CodedValue] = field(default_factory=list)
    sites: list[CodedConcept] = field(default_factory=list)


def _concept(concept: Resource | None) -> CodedConcept | None:
    """The first coding whose system DICOM has a designator for, as a CodedConcept."""
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == ACT_PRIORITY and coding.get("code") in ACT_PRIORITY_DISPLAY:
            return codes.priority_concept(coding["code"], ACT_PRIORITY_DISPLAY[coding["code"]])
        scheme = codes.SCHEME_OF_SYSTEM.get(coding.get("system", ""))
        if scheme and coding.get("code"):
            meaning = str(coding.get("display") or concept_text(concept) or coding["code"])
            return CodedConcept(str(coding["code"]), scheme, meaning[:64])
    return None


def _local_code(concept: Resource | None) -> str:
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == codes.FINDING_SYSTEM:
            return str(coding.get("code", ""))
    return ""


def _unit(quantity: Resource) -> CodedConcept:
    code = str(quantity.get("code") or quantity.get("unit") or "1")
    if quantity.get("system", codes.UCUM_SYSTEM) != codes.UCUM_SYSTEM:
        raise ValueError("a measurement's unit must be UCUM")
    return codes.UNITS.get(code) or CodedConcept(code, "UCUM", code)


def _component_name(component: Resource) -> CodedConcept | None:
    local = _local_code(component.get("code"))
    return codes.MEASUREMENT_NAMES.get(local) or _concept(component.get("code"))


def _read_component(component: Resource, coded: CodedFinding) -> None:
    name = _component_name(component)
    if name is None:
        return
    if "valueQuantity" in component:
        quantity = component["valueQuantity"]
        value = float(quantity["value"])
        coded.measurements.append(NumericValue(name, value, _unit(quantity)))
    elif "valueInteger" in component:
        value = float(component["valueInteger"])
        coded.measurements.append(NumericValue(name, value, codes.UNITS["1"]))
    elif isinstance(component.get("valueBoolean"), bool):
        answer = codes.YES if component["valueBoolean"] else codes.NO
        coded.evaluations.append(CodedValue(name, answer))
    elif "valueCodeableConcept" in component:
        _read_coded_value(component, name, coded)


def _read_coded_value(component: Resource, name: CodedConcept, coded: CodedFinding) -> None:
    value = component["valueCodeableConcept"]
    local = _local_code(value)
    if _local_code(component.get("code")) == codes.LOBE_COMPONENT and local in codes.LOBES:
        coded.sites.append(codes.LOBES[local])
        return
    concept = _concept(value)
    if concept is not None:
        coded.evaluations.append(CodedValue(name, concept))


def coded_finding(observation: Resource) -> CodedFinding:
    """One finding Observation, coded for the SR."""
    finding = read_finding(observation)
    if finding.snomed is not None:
        finding_type = CodedConcept(finding.snomed[0], "SCT", finding.snomed[1] or finding.name)
    else:
        local = _local_code(observation.get("code"))
        finding_type = (
            codes.FINDING_TYPES.get(local) or _concept(observation.get("code")) or codes.AI_FINDING
        )
    coded = CodedFinding(finding, finding_type)
    for component in observation.get("component", []):
        _read_component(component, coded)
    if finding.present is not None:
        presence = codes.PRESENT if finding.present else codes.ABSENT
        coded.evaluations.insert(0, CodedValue(finding_type, presence))
    return coded
