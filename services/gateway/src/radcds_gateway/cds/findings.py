"""radcds's own AI findings for a patient, read from the gateway's FHIR repository.

Inference writes each finding as an Observation coded from FINDING_SYSTEM with the model as
its `device` (services/risk/findings.py documents the codes). The RiskAssessments report
stored at study time are not read: cards assess the findings against the EHR's record as it
is now (a newly started anticoagulant counts), so the risk service is asked afresh.
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.repository import FhirRepository

# services/risk/src/radcds_risk/findings.py: the code system of AI finding Observations.
FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
# Observation.status values that withdraw a finding (FHIR R4 observation-status).
WITHDRAWN = frozenset({"cancelled", "entered-in-error"})
MAX_FINDINGS = 50
# A model's Device changes only when a model is deployed; read it at most this often.
DEVICE_CACHE_S = 60.0
# Reads running at once. A caller that gives up (its budget spent) cannot stop a read that
# has started, so reads are admitted only while a thread is free: no backlog builds up.
READERS = 4
Resource = dict[str, Any]


@dataclass
class PatientFindings:
    observations: list[Resource] = field(default_factory=list)
    # "Device/<id>" -> the model's Device resource.
    devices: dict[str, Resource] = field(default_factory=dict)


class FindingsReader(Protocol):
    async def findings_for(self, patient_id: str) -> PatientFindings: ...


def is_ai_finding(resource: Resource) -> bool:
    codings = (resource.get("code") or {}).get("coding") or []
    return resource.get("status") not in WITHDRAWN and any(
        isinstance(c, dict) and c.get("system") == FINDING_SYSTEM for c in codings
    )


def finding_code(resource: Resource) -> str | None:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == FINDING_SYSTEM:
            code = coding.get("code")
            return code if isinstance(code, str) else None
    return None


class RepositoryFindingsReader:
    """Reads through the FHIR repository, off the event loop."""

    def __init__(self, repository: FhirRepository) -> None:
        self._repository = repository
        self._devices: dict[str, tuple[float, Resource]] = {}
        self._threads = ThreadPoolExecutor(READERS, thread_name_prefix="cds-findings")
        self._free = asyncio.Semaphore(READERS)

    async def findings_for(self, patient_id: str) -> PatientFindings:
        await self._free.acquire()
        read = asyncio.get_running_loop().run_in_executor(self._threads, self._read, patient_id)
        read.add_done_callback(lambda _: self._free.release())
        # Shielded: a cancelled caller leaves the read to finish and free its thread.
        return await asyncio.shield(read)

    def _search(self, resource_type: str, query: list[tuple[str, str]]) -> list[Resource]:
        request = self._repository.parser.parse(resource_type, query)
        result = self._repository.search(request)
        return [orjson.loads(stored.body) for stored in result.matches]

    def _read(self, patient_id: str) -> PatientFindings:
        subject = ("subject", f"Patient/{patient_id}")
        count = ("_count", str(MAX_FINDINGS))
        observations = self._search("Observation", [subject, ("_sort", "-date"), count])
        found = PatientFindings(observations=[o for o in observations if is_ai_finding(o)])
        for observation in found.observations:
            reference = (observation.get("device") or {}).get("reference")
            if isinstance(reference, str) and reference.startswith("Device/"):
                found.devices.setdefault(reference, self._device(reference))
        found.devices = {k: v for k, v in found.devices.items() if v}
        return found

    def _device(self, reference: str) -> Resource:
        cached = self._devices.get(reference)
        if cached and time.monotonic() - cached[0] < DEVICE_CACHE_S:
            return cached[1]
        device = self._read_device(reference)
        self._devices[reference] = (time.monotonic(), device)
        return device

    def _read_device(self, reference: str) -> Resource:
        try:
            stored = self._repository.read("Device", reference.removeprefix("Device/"))
        except FhirError:
            return {}
        device: Resource = orjson.loads(stored.body)
        return device
