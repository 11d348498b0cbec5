"""Display text for the FHIR R4 elements the pages show."""

from datetime import datetime
from typing import Any

Resource = dict[str, Any]
FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
# v3-ActPriority codes the inference service writes; lower ranks are read first.
PRIORITY_RANK = {"S": 0, "UR": 1, "R": 2}
PRIORITY_LABEL = {"S": "STAT", "UR": "Urgent", "R": "Routine"}


def concept_text(concept: Resource | None) -> str:
    if not concept:
        return ""
    if concept.get("text"):
        return str(concept["text"])
    codings = concept.get("coding", [])
    return str(next((c.get("display") or c.get("code") for c in codings), ""))


def codes_of(concept: Resource | None, system: str) -> list[str]:
    return [
        str(c.get("code")) for c in (concept or {}).get("coding", []) if c.get("system") == system
    ]


def human_name(patient: Resource) -> str:
    names = patient.get("name", [])
    if not names:
        return "Unnamed patient"
    name = names[0]
    return str(name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]))


def quantity_text(quantity: Resource) -> str:
    value = quantity.get("value")
    unit = str(quantity.get("unit") or quantity.get("code") or "")
    if unit.startswith("{") and unit.endswith("}"):
        unit = ""  # a UCUM annotation such as {score}: a count without a unit
    if isinstance(value, float):
        value = f"{value:.3g}" if unit == "1" else f"{value:g}"
    return f"{value} {unit}".strip() if unit != "1" else str(value)


def value_text(element: Resource) -> str:
    if "valueQuantity" in element:
        return quantity_text(element["valueQuantity"])
    if "valueBoolean" in element:
        return "Yes" if element["valueBoolean"] else "No"
    if "valueCodeableConcept" in element:
        return concept_text(element["valueCodeableConcept"])
    for key in ("valueString", "valueInteger", "valueDecimal"):
        if key in element:
            return str(element[key])
    return ""


def instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def when_text(value: str | None) -> str:
    moment = instant(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def duration_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def priority_code(observation: Resource) -> str:
    for component in observation.get("component", []):
        codes = codes_of(component.get("valueCodeableConcept"), PRIORITY_SYSTEM)
        if codes:
            return codes[0]
    return "R"
