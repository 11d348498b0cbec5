"""Reading the FHIR JSON that cards are made of: the patient Bundle, finding measurements,
the model behind a finding."""

import re
from typing import Any

from radcds_gateway.cds.card_parts import ModelVersion
from radcds_gateway.cds.findings import FINDING_SYSTEM
from radcds_gateway.cds.risk_client import RiskResult

Resource = dict[str, Any]


def patient_bundle(resources: list[Resource]) -> Resource:
    """A collection Bundle of the record, each resource once."""
    seen: dict[str, Resource] = {}
    for resource in resources:
        key = f"{resource.get('resourceType')}/{resource.get('id', len(seen))}"
        seen.setdefault(key, resource)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:radcds:{k}", "resource": r} for k, r in seen.items()],
    }


def by_reference(resources: list[Resource]) -> dict[str, Resource]:
    return {f"{r.get('resourceType')}/{r.get('id')}": r for r in resources if r.get("id")}


def component(observation: Resource, code: str) -> Resource | None:
    for part in observation.get("component") or []:
        codings = (part.get("code") or {}).get("coding") or []
        if any(c.get("system") == FINDING_SYSTEM and c.get("code") == code for c in codings):
            return dict(part)
    return None


def quantity(observation: Resource, code: str) -> float | None:
    part = component(observation, code) or {}
    value = (part.get("valueQuantity") or {}).get("value")
    return float(value) if isinstance(value, int | float) else None


def flag(observation: Resource, code: str) -> bool | None:
    value = (component(observation, code) or {}).get("valueBoolean")
    return value if isinstance(value, bool) else None


def concept_code(observation: Resource, code: str) -> str | None:
    codings = ((component(observation, code) or {}).get("valueCodeableConcept") or {}).get(
        "coding"
    ) or [{}]
    value = codings[0].get("code")
    return value if isinstance(value, str) else None


def number(value: float | None, unit: str = "") -> str:
    """Three significant figures, as a measurement reads (40.6 mL, not 40.6406 mL); whole
    numbers from 1000, never an exponent."""
    if value is None:
        return "unknown"
    text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def model_of(observation: Resource, devices: dict[str, Resource]) -> ModelVersion:
    """The AI model from the finding's Device: deviceName and version (FHIR R4 Device)."""
    reference = (observation.get("device") or {}).get("reference") or ""
    device = devices.get(reference, {})
    names = [n.get("name") for n in device.get("deviceName") or [] if n.get("name")]
    versions = [v.get("value") for v in device.get("version") or [] if v.get("value")]
    name = names[0] if names else (observation.get("device") or {}).get("display") or "AI model"
    device_id = reference.removeprefix("Device/") or "unknown"
    return ModelVersion(str(name), str(versions[0]) if versions else "unknown",
                        f"models/{device_id}")  # fmt: skip


def calculator_model(result: RiskResult) -> ModelVersion:
    return ModelVersion(result.calculator, result.version, f"calculators/{result.calculator}")


def basis(result: RiskResult | None) -> list[str]:
    if result is None or result.risk_assessment is None:
        return []
    refs = [b.get("reference") for b in result.risk_assessment.get("basis") or []]
    return [r for r in refs if isinstance(r, str)]


def medication_name(resource: Resource) -> str | None:
    concept = resource.get("medicationCodeableConcept") or {}
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    text = concept.get("text")
    return str(text) if text else None


def ich_score_points(result: RiskResult | None) -> str | None:
    """ "ICH score 3/6" from the calculator's summary line."""
    match = re.search(r"ICH score \d/6", result.summary) if result and result.computed else None
    return match.group(0) if match else None


def probability(result: RiskResult | None) -> float | None:
    if result is None or not result.computed or result.risk_assessment is None:
        return None
    predictions = result.risk_assessment.get("prediction") or [{}]
    value = predictions[0].get("probabilityDecimal")
    return float(value) if isinstance(value, int | float) else None
