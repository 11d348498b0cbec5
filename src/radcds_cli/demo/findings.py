"""Reading the AI's findings out of FHIR, and the planted truth out of truth.json."""

from __future__ import annotations

from typing import Any

FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
PRIORITY_RANK = {"S": 0, "UR": 1, "R": 2}
PRIORITY_LABEL = {"S": "STAT", "UR": "urgent", "R": "routine"}
EXPECTED_FINDINGS = {"ich": {"intracranial-hemorrhage"}, "nodule": {"lung-nodule"}}
Resource = dict[str, Any]


def finding_code(resource: Resource) -> str | None:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if coding.get("system") == FINDING_SYSTEM:
            return str(coding.get("code"))
    return None


def component(observation: Resource, code: str) -> Resource | None:
    for part in observation.get("component", []):
        if finding_code(part) == code:
            found: Resource = part
            return found
    return None


def present_findings(observations: list[Resource]) -> set[str]:
    """The finding codes the AI called present."""
    return {c for o in observations if o.get("valueBoolean") and (c := finding_code(o))}


def priority(observations: list[Resource]) -> str:
    codes = []
    for observation in observations:
        part = component(observation, "triage-priority")
        for coding in ((part or {}).get("valueCodeableConcept") or {}).get("coding", []):
            codes.append(str(coding.get("code")))
    return min(codes, key=lambda c: PRIORITY_RANK.get(c, 9), default="R")


def _quantity(observation: Resource, code: str) -> Any:
    return ((component(observation, code) or {}).get("valueQuantity") or {}).get("value")


def _describe(name: str, present: Any, value: Any, unit: str) -> str:
    if present and value is not None:
        return f"{name} {value:.1f} {unit}"
    return name if present else f"no {name}"


def ai_summary(observations: list[Resource]) -> str:
    parts = []
    for observation in observations:
        code, present = finding_code(observation), observation.get("valueBoolean")
        if code == "intracranial-hemorrhage":
            volume = _quantity(observation, "ich-volume")
            parts.append(_describe("haemorrhage", present, volume, "mL"))
        elif code == "lung-nodule":
            size = _quantity(observation, "nodule-diameter")
            parts.append(_describe("nodule", present, size, "mm"))
    return ", ".join(parts) or "no finding (no model applied)"


def truth_summary(truth: dict[str, Any]) -> str:
    if truth["finding"] == "ich":
        bleed = truth["haemorrhage"]
        return f"{bleed['kind']} haemorrhage {bleed['volume_ml']:.1f} mL ({bleed['compartment']})"
    if truth["finding"] == "nodule":
        sizes = ", ".join(f"{n['diameter_mm']:.1f} mm" for n in truth["nodules"])
        return f"{len(truth['nodules'])} nodule(s): {sizes}"
    return f"normal {truth['study']['body_part'].lower()} CT"
