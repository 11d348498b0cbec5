"""The patient's record as the risk calculators need it: one FHIR Bundle."""

import asyncio
from typing import Any

from radcds_kit.fhir_store import FhirStoreClient

Resource = dict[str, Any]

# What the calculators read (risk service README): labs, vitals, problems, medications,
# allergies, orders and prior studies.
RECORD_TYPES = (
    "Observation",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "AllergyIntolerance",
    "ServiceRequest",
    "ImagingStudy",
)
MAX_PER_TYPE = 1000


async def patient_record(store: FhirStoreClient, patient_reference: str) -> Resource:
    """A collection Bundle: the Patient and every resource of RECORD_TYPES about them."""
    resource_type, _, patient_id = patient_reference.partition("/")
    if resource_type != "Patient" or not patient_id:
        raise ValueError(f"not a Patient reference: {patient_reference!r}")
    patient = await store.get("Patient", patient_id)
    params = {"patient": patient_reference, "_count": str(MAX_PER_TYPE)}
    found = await asyncio.gather(*(store.search_resources(t, params) for t in RECORD_TYPES))
    resources = [patient, *(resource for group in found for resource in group)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
