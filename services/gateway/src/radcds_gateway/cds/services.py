"""radcds's CDS Services and the discovery document (CDS Hooks 2.0, "Discovery")."""

from dataclasses import dataclass, field
from typing import Any

FINDINGS_SERVICE = "radcds-imaging-findings"
ORDER_CHECK_SERVICE = "radcds-imaging-order-check"


@dataclass(frozen=True)
class PrefetchTemplate:
    """A FHIR read or search with prefetch tokens ("Prefetch Template")."""

    query: str
    # Without it the service cannot decide: absent and unfetchable means 412.
    required: bool = True


@dataclass(frozen=True)
class CdsService:
    id: str
    hooks: tuple[str, ...]
    title: str
    description: str
    prefetch: dict[str, PrefetchTemplate]
    usage_requirements: str = ""
    # Risk calculators run for this service; empty runs all.
    calculators: tuple[str, ...] = field(default=())

    def discovery_entries(self) -> list[dict[str, Any]]:
        """One entry per hook: a service MAY appear once per hook with the same id
        ("Discovery" and "Update stale guidance")."""
        entry: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": {key: t.query for key, t in self.prefetch.items()},
        }
        if self.usage_requirements:
            entry["usageRequirements"] = self.usage_requirements
        return [{"hook": hook, **entry} for hook in self.hooks]


# Patient record the risk calculators read (services/risk/README.md): demographics,
# problems, medications, labs and vitals (incl. GCS, eGFR, hCG, INR, smoking status).
RECORD_PREFETCH = {
    "patient": PrefetchTemplate("Patient/{{context.patientId}}"),
    "conditions": PrefetchTemplate("Condition?patient={{context.patientId}}"),
    "medications": PrefetchTemplate(
        "MedicationRequest?patient={{context.patientId}}&status=active"
    ),
    "observations": PrefetchTemplate(
        "Observation?patient={{context.patientId}}&_sort=-date&_count=500"
    ),
}
USAGE = (
    "Sends cards for AI findings that are preliminary until a clinician signs the report. "
    "Needs the prefetch data listed, or fhirServer with fhirAuthorization to fetch it."
)

FINDINGS = CdsService(
    id=FINDINGS_SERVICE,
    hooks=("patient-view",),
    title="radcds imaging AI findings",
    description=(
        "Preliminary AI findings on the patient's imaging with their clinical risk: "
        "suspected intracranial haemorrhage with the ICH score and anticoagulation alert, "
        "lung nodules with Brock probability and Fleischner follow-up, ASCVD and "
        "CHA2DS2-VASc risk."
    ),
    prefetch=RECORD_PREFETCH,
    usage_requirements=USAGE,
    calculators=(
        "ich_score", "anticoagulation_ich_alert", "brock_pancan", "fleischner_2017",
        "pce_ascvd_10y", "cha2ds2_vasc",
    ),
)  # fmt: skip

ORDER_CHECK = CdsService(
    id=ORDER_CHECK_SERVICE,
    hooks=("order-select", "order-sign"),
    title="radcds imaging order check",
    description=(
        "Checks draft imaging orders: duplicate study, iodinated or gadolinium contrast "
        "against eGFR and metformin, possible pregnancy; shows relevant prior AI findings."
    ),
    prefetch={
        **RECORD_PREFETCH,
        "imaging": PrefetchTemplate(
            "ImagingStudy?patient={{context.patientId}}&_sort=-started&_count=100"
        ),
        "procedures": PrefetchTemplate(
            "Procedure?patient={{context.patientId}}&_sort=-date&_count=100", required=False
        ),
        "practitioner": PrefetchTemplate("Practitioner/{{userPractitionerId}}", required=False),
    },
    usage_requirements=USAGE,
    calculators=("duplicate_imaging", "contrast_renal", "pregnancy_ionising"),
)

SERVICES: dict[str, CdsService] = {s.id: s for s in (FINDINGS, ORDER_CHECK)}


def discovery_document() -> dict[str, Any]:
    return {"services": [entry for s in SERVICES.values() for entry in s.discovery_entries()]}
