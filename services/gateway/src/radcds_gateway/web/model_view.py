"""A model card from the model's FHIR Device: name, version, maker, properties, notes."""

from dataclasses import dataclass

from radcds_gateway.web import fhir_text as t
from radcds_gateway.web.fhir_reader import FhirReader, Resource


@dataclass
class ModelCard:
    name: str
    version: str
    manufacturer: str
    kinds: list[str]
    properties: list[tuple[str, str]]
    notes: list[str]
    status: str


def _properties(device: Resource) -> list[tuple[str, str]]:
    rows = []
    for prop in device.get("property", []):
        values = [t.quantity_text(q) for q in prop.get("valueQuantity", [])]
        values += [t.concept_text(c) for c in prop.get("valueCode", [])]
        rows.append((t.concept_text(prop.get("type")), ", ".join(values)))
    return rows


async def model_page(reader: FhirReader, device_id: str) -> ModelCard:
    device = await reader.read(f"Device/{device_id}")
    names = device.get("deviceName", [])
    return ModelCard(
        name=str(names[0].get("name", device_id)) if names else device_id,
        version=", ".join(str(v.get("value", "")) for v in device.get("version", [])),
        manufacturer=str(device.get("manufacturer", "")),
        kinds=[t.concept_text(device.get("type"))] if device.get("type") else [],
        properties=_properties(device),
        notes=[str(n.get("text", "")) for n in device.get("note", [])],
        status=str(device.get("status", "")),
    )
