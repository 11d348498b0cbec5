"""Real FHIR clients from PyPI against the running gateway: fhirclient (SMART) and fhirpy."""

import asyncio
from typing import Any

from fhirclient import client as smart_client
from fhirclient.models.bundle import Bundle
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirpy import AsyncFHIRClient


def test_fhirclient_create_read_search_include_page_update(gateway: Any) -> None:
    smart = smart_client.FHIRClient(
        settings={"app_id": "radcds-test", "api_base": gateway.base_url + "/"}
    )
    server = smart.server
    patient = Patient({"name": [{"family": "Clientson", "given": ["Smart"]}], "gender": "female"})
    created = patient.create(server)
    assert created is not None
    patient_id = created["id"]
    for n in range(5):
        Observation(
            {
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "subject": {"reference": f"Patient/{patient_id}"},
                "valueQuantity": {"value": 60 + n, "unit": "/min"},
            }
        ).create(server)
    read = Patient.read(patient_id, server)
    assert read.name[0].family == "Clientson"
    search = Observation.where(
        {"subject": f"Patient/{patient_id}", "_count": "2", "_include": "Observation:subject"}
    )
    bundle = next(search.perform_iter(server))
    assert isinstance(bundle, Bundle)
    assert bundle.total == 5
    assert {e.search.mode for e in bundle.entry} == {"match", "include"}
    everything = list(search.perform_resources_iter(server))
    assert len([r for r in everything if r.resource_type == "Observation"]) == 5
    read.gender = "other"
    read.update(server)
    assert Patient.read(patient_id, server).meta.versionId == "2"


def test_fhirpy_create_read_search_include_page_update(gateway: Any) -> None:
    asyncio.run(_fhirpy_round(gateway.base_url))


async def _fhirpy_round(base_url: str) -> None:
    fhir = AsyncFHIRClient(base_url, extra_headers={"Content-Type": "application/fhir+json"})
    patient = fhir.resource("Patient", name=[{"family": "Pyperson"}], birthDate="1980-01-01")
    await patient.save()
    for n in range(7):
        await fhir.resource(
            "Condition",
            subject=patient.to_reference(),
            code={"coding": [{"system": "http://snomed.info/sct", "code": "230690007"}]},
            recordedDate=f"2024-01-0{n + 1}",
        ).save()
    read = await fhir.reference("Patient", patient.id).to_resource()
    assert read["name"][0]["family"] == "Pyperson"
    search = (
        fhir.resources("Condition")
        .search(subject=patient.to_reference().reference)
        .include("Condition", "subject")
    )
    page = await search.limit(3).fetch_raw()
    assert page["total"] == 7
    assert any(e["search"]["mode"] == "include" for e in page["entry"])
    conditions = await search.limit(3).fetch_all()
    assert len([c for c in conditions if c.resource_type == "Condition"]) == 7
    read["gender"] = "male"
    await read.save()
    assert (await fhir.reference("Patient", patient.id).to_resource())["meta"]["versionId"] == "2"
