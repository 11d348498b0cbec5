"""The AI findings the risk service reads: FHIR R4 Observations emitted by inference.

Each finding is one Observation with `code` from FINDING_SYSTEM and its measurements as
`component`s, each with a `code` from the same system (services/risk/README.md lists them).
`derivedFrom` names the ImagingStudy; `subject` the Patient.
"""

from collections.abc import Collection
from dataclasses import dataclass

import orjson

from radcds_risk.calculators.nodule_types import NoduleType
from radcds_risk.fhir.elements import (
    InvalidFhir,
    JsonObject,
    boolean,
    codings,
    number,
    obj,
    objects,
    string,
)

FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"

# Observation.code of a finding.
ICH = "intracranial-hemorrhage"
LUNG_NODULE = "lung-nodule"
# Observation.component.code of its measurements.
ICH_PROBABILITY = "ich-probability"  # valueQuantity, UCUM "1", 0-1
ICH_VOLUME = "ich-volume"  # valueQuantity, UCUM "mL"
ICH_INTRAVENTRICULAR = "ich-intraventricular-extension"  # valueBoolean
ICH_INFRATENTORIAL = "ich-infratentorial"  # valueBoolean
NODULE_DIAMETER = "nodule-diameter"  # valueQuantity, UCUM "mm" (mean axial diameter)
NODULE_LOBE = "nodule-lobe"  # valueCodeableConcept from FINDING_SYSTEM, LOBES
NODULE_TYPE = "nodule-type"  # valueCodeableConcept from FINDING_SYSTEM, NODULE_TYPES
NODULE_COUNT = "nodule-count"  # valueInteger: nodules reported in the study
NODULE_SPICULATION = "nodule-spiculation"  # valueBoolean
EMPHYSEMA = "emphysema"  # valueBoolean, on a lung-nodule finding: emphysema on the same CT

UPPER_LOBES = frozenset({"RUL", "LUL"})
LOBES = frozenset({"RUL", "RML", "RLL", "LUL", "LLL"})
NODULE_TYPES = {"solid": NoduleType.SOLID, "part-solid": NoduleType.PART_SOLID,
                "nonsolid": NoduleType.NONSOLID}  # fmt: skip


@dataclass(frozen=True)
class IchFinding:
    reference: str
    study: str | None
    probability: float | None
    volume_ml: float | None
    intraventricular: bool | None
    infratentorial: bool | None


@dataclass(frozen=True)
class NoduleFinding:
    reference: str
    study: str | None
    diameter_mm: float | None
    lobe: str | None
    nodule_type: NoduleType | None
    count: int | None
    spiculation: bool | None
    emphysema: bool | None


@dataclass(frozen=True)
class Findings:
    ich: list[IchFinding]
    nodules: list[NoduleFinding]


def _finding_code(concept: object, where: str) -> str | None:
    for system, code in codings(obj(concept, where), where):
        if system == FINDING_SYSTEM:
            return code
    return None


def _components(resource: JsonObject, where: str) -> dict[str, JsonObject]:
    found = {}
    for i, component in enumerate(objects(resource, "component", where)):
        code = _finding_code(component.get("code", {}), f"{where}.component[{i}].code")
        if code:
            found[code] = component
    return found


def _quantity(component: JsonObject | None, unit: str, where: str) -> float | None:
    if component is None:
        return None
    quantity = obj(component.get("valueQuantity"), f"{where}.valueQuantity")
    code = string(quantity, "code", where)
    if code != unit:
        raise InvalidFhir(f"{where}.valueQuantity.code must be UCUM {unit!r}, got {code!r}")
    value = number(quantity, "value", f"{where}.valueQuantity")
    if value is None or value < 0:
        raise InvalidFhir(f"{where}.valueQuantity.value must be a non-negative number")
    return value


def _flag(component: JsonObject | None, where: str) -> bool | None:
    return None if component is None else boolean(component, "valueBoolean", where)


def _choice(component: JsonObject | None, allowed: Collection[str], where: str) -> str | None:
    if component is None:
        return None
    code = _finding_code(component.get("valueCodeableConcept"), f"{where}.valueCodeableConcept")
    if code is None or code not in allowed:
        raise InvalidFhir(f"{where}: {code!r} is not one of {sorted(allowed)}")
    return code


def _count(component: JsonObject | None, where: str) -> int | None:
    if component is None:
        return None
    value = component.get("valueInteger")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidFhir(f"{where}.valueInteger must be a positive integer")
    return value


def _study(resource: JsonObject, where: str) -> str | None:
    refs = [string(r, "reference", where) for r in objects(resource, "derivedFrom", where)]
    return next((r for r in refs if r and r.startswith("ImagingStudy/")), None)


def _ich(resource: JsonObject, key: str) -> IchFinding:
    parts = _components(resource, key)
    probability = _quantity(parts.get(ICH_PROBABILITY), "1", f"{key}.{ICH_PROBABILITY}")
    if probability is not None and probability > 1:
        raise InvalidFhir(f"{key}.{ICH_PROBABILITY} must be between 0 and 1")
    return IchFinding(
        reference=key,
        study=_study(resource, key),
        probability=probability,
        volume_ml=_quantity(parts.get(ICH_VOLUME), "mL", f"{key}.{ICH_VOLUME}"),
        intraventricular=_flag(parts.get(ICH_INTRAVENTRICULAR), key),
        infratentorial=_flag(parts.get(ICH_INFRATENTORIAL), key),
    )


def _nodule(resource: JsonObject, key: str) -> NoduleFinding:
    parts = _components(resource, key)
    kind = _choice(parts.get(NODULE_TYPE), NODULE_TYPES, f"{key}.{NODULE_TYPE}")
    diameter = _quantity(parts.get(NODULE_DIAMETER), "mm", f"{key}.{NODULE_DIAMETER}")
    if diameter == 0:
        raise InvalidFhir(f"{key}.{NODULE_DIAMETER} must be positive")
    return NoduleFinding(
        reference=key,
        study=_study(resource, key),
        diameter_mm=diameter,
        lobe=_choice(parts.get(NODULE_LOBE), LOBES, f"{key}.{NODULE_LOBE}"),
        nodule_type=NODULE_TYPES[kind] if kind else None,
        count=_count(parts.get(NODULE_COUNT), f"{key}.{NODULE_COUNT}"),
        spiculation=_flag(parts.get(NODULE_SPICULATION), key),
        emphysema=_flag(parts.get(EMPHYSEMA), key),
    )


def parse_findings(raw_findings: list[bytes]) -> Findings:
    """Reads each Observation; one whose code is not from FINDING_SYSTEM is ignored."""
    ich, nodules = [], []
    for i, raw in enumerate(raw_findings):
        try:
            resource = obj(orjson.loads(raw), f"findings[{i}]")
        except orjson.JSONDecodeError as error:
            raise InvalidFhir(f"findings[{i}] is not JSON: {error}") from error
        if resource.get("resourceType") != "Observation":
            raise InvalidFhir(f"findings[{i}] must be an Observation")
        rid = string(resource, "id", f"findings[{i}]")
        key = f"Observation/{rid}" if rid else f"findings[{i}]"
        code = _finding_code(resource.get("code", {}), f"{key}.code")
        if code == ICH:
            ich.append(_ich(resource, key))
        elif code == LUNG_NODULE:
            nodules.append(_nodule(resource, key))
    return Findings(ich=ich, nodules=nodules)
