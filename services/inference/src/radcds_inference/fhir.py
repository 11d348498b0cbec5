"""Findings as FHIR R4: Observations, the model as a Device, a Provenance; one transaction.

Codes follow the risk service's reader (services/risk/src/radcds_risk/findings.py): code and
component codes from FINDING_SYSTEM, UCUM units. Every resource has an id derived from the
job and the model, and is written with PUT, so a job that is run twice writes the same
resources again instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from radcds_inference.model_config import ModelSpec
from radcds_inference.postprocess import Finding, HaemorrhageFinding, NoduleFinding

FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM = "http://unitsofmeasure.org"
PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
PARTICIPANT_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PRIORITY_CODES = {"stat": ("S", "stat"), "urgent": ("UR", "urgent"), "routine": ("R", "routine")}
NOT_FOR_CLINICAL_USE = (
    "AI model trained on synthetic data for demonstration only; not for clinical use."
)
PRELIMINARY_NOTE = "AI finding, preliminary until a clinician reviews it."
# A workflow tag, not clinical content: the W3C traceparent of the write that stored the
# finding. The gateway reads it (radcds_gateway.cds.card_trace) to place the cards it builds
# from the finding in the study's trace.
TRACE_CONTEXT_SYSTEM = "https://radcds.dev/fhir/CodeSystem/trace-context"
Json = dict[str, Any]


@dataclass(frozen=True)
class ModelResult:
    """One model's finding on one series, with what the Observations refer to."""

    spec: ModelSpec
    series_instance_uid: str
    finding: Finding
    key_image_uid: str | None
    seg_uid: str | None


def resource_id(*parts: str) -> str:
    return "inf-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def device_id(spec: ModelSpec) -> str:
    return resource_id("device", spec.name, spec.version)


def device(spec: ModelSpec) -> Json:
    notes = [spec.description] if spec.description else []
    if not spec.clinical_use:
        notes.append(NOT_FOR_CLINICAL_USE)
    return {
        "resourceType": "Device",
        "id": device_id(spec),
        "status": "active",
        "deviceName": [{"name": spec.name, "type": "model-name"}],
        "version": [{"value": spec.version}],
        "type": {"text": "AI model served by NVIDIA Triton Inference Server"},
        "note": [{"text": text} for text in notes],
    }


def _code(code: str, display: str) -> Json:
    return {
        "coding": [{"system": FINDING_SYSTEM, "code": code, "display": display}],
        "text": display,
    }


def _quantity(code: str, display: str, value: float, unit: str) -> Json:
    quantity = {"value": round(value, 4), "unit": unit, "system": UCUM, "code": unit}
    return {"code": _code(code, display), "valueQuantity": quantity}


def _concept(code: str, display: str, value: str) -> Json:
    return {"code": _code(code, display), "valueCodeableConcept": _code(value, value)}


def _flag(code: str, display: str, value: bool) -> Json:
    return {"code": _code(code, display), "valueBoolean": value}


def _common(result: ModelResult, study: str, patient: str, priority: str) -> list[Json]:
    code, display = PRIORITY_CODES[priority]
    priority_coding = {"system": PRIORITY_SYSTEM, "code": code, "display": display}
    parts: list[Json] = [
        {
            "code": _code("triage-priority", "AI triage priority"),
            "valueCodeableConcept": {"coding": [priority_coding]},
        }
    ]
    for key, uid in (("key-image", result.key_image_uid), ("segmentation", result.seg_uid)):
        if uid:
            parts.append({"code": _code(key, f"{key} SOP Instance UID"), "valueString": uid})
    return parts


def _observation(result: ModelResult, ident: str, study: str, patient: str, when: str) -> Json:
    resource: Json = {
        "resourceType": "Observation",
        "id": ident,
        "status": "preliminary",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "imaging",
                    }
                ]
            }
        ],
        "derivedFrom": [{"reference": study}],
        "device": {"reference": f"Device/{device_id(result.spec)}"},
        "issued": when,
        "note": [{"text": PRELIMINARY_NOTE}, {"text": NOT_FOR_CLINICAL_USE}]
        if not result.spec.clinical_use
        else [{"text": PRELIMINARY_NOTE}],
    }
    if patient:
        resource["subject"] = {"reference": patient}
    return resource


def haemorrhage_observation(
    result: ModelResult,
    finding: HaemorrhageFinding,
    job_id: str,
    study: str,
    patient: str,
    when: str,
) -> Json:
    obs = _observation(result, resource_id(job_id, result.spec.name, "0"), study, patient, when)
    obs["code"] = _code("intracranial-hemorrhage", "Intracranial haemorrhage (AI)")
    obs["valueBoolean"] = finding.present
    parts = [_quantity("ich-probability", "ICH probability", finding.probability, "1")]
    if finding.present:
        parts += [
            _quantity("ich-volume", "ICH volume", finding.volume_ml, "mL"),
            _flag(
                "ich-intraventricular-extension",
                "Intraventricular extension",
                finding.intraventricular,
            ),
            _flag("ich-infratentorial", "Infratentorial", finding.compartment == "infratentorial"),
        ]
    obs["component"] = parts + _common(result, study, patient, finding.priority)
    return obs


def nodule_observations(
    result: ModelResult, finding: NoduleFinding, job_id: str, study: str, patient: str, when: str
) -> list[Json]:
    common = _common(result, study, patient, finding.priority)
    if not finding.nodules:
        obs = _observation(result, resource_id(job_id, result.spec.name, "0"), study, patient, when)
        obs["code"] = _code("lung-nodule", "Lung nodule (AI)")
        obs["valueBoolean"] = False
        obs["component"] = common
        return [obs]
    out, count = [], len(finding.nodules)
    for index, nodule in enumerate(finding.nodules):
        ident = resource_id(job_id, result.spec.name, str(index))
        obs = _observation(result, ident, study, patient, when)
        obs["code"] = _code("lung-nodule", "Lung nodule (AI)")
        obs["valueBoolean"] = True
        obs["component"] = [
            _quantity("nodule-diameter", "Nodule diameter", nodule.diameter_mm, "mm"),
            _concept("nodule-lobe", "Lobe", nodule.lobe),
            _concept("nodule-type", "Nodule type", nodule.texture),
            {"code": _code("nodule-count", "Nodules in the study"), "valueInteger": count},
            *common,
        ]
        out.append(obs)
    return out


def observations(
    result: ModelResult, job_id: str, study: str, patient: str, when: str
) -> list[Json]:
    if isinstance(result.finding, HaemorrhageFinding):
        return [haemorrhage_observation(result, result.finding, job_id, study, patient, when)]
    return nodule_observations(result, result.finding, job_id, study, patient, when)


def provenance(job_id: str, targets: list[str], devices: list[str], study: str, when: str) -> Json:
    return {
        "resourceType": "Provenance",
        "id": resource_id(job_id, "provenance"),
        "target": [{"reference": ref} for ref in targets],
        "recorded": when,
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": PARTICIPANT_SYSTEM,
                            "code": "device",
                        }
                    ]
                },
                "who": {"reference": ref},
            }
            for ref in devices
        ],
        "entity": [{"role": "source", "what": {"reference": study}}],
    }


def transaction(
    job_id: str, study: str, patient: str, results: list[ModelResult], traceparent: str = ""
) -> tuple[Json, list[str]]:
    """The transaction Bundle and the references of its Observations; with a traceparent,
    each Observation is tagged with it."""
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    resources = {device_id(r.spec): device(r.spec) for r in results}
    obs = [o for r in results for o in observations(r, job_id, study, patient, when)]
    if traceparent:
        for observation in obs:
            observation["meta"] = {"tag": [{"system": TRACE_CONTEXT_SYSTEM, "code": traceparent}]}
    refs = [f"Observation/{o['id']}" for o in obs]
    devices = [f"Device/{ident}" for ident in resources]
    entries = [*resources.values(), *obs, provenance(job_id, refs, devices, study, when)]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in entries
        ],
    }
    return bundle, refs
