"""Publishing a stable study: ImagingStudy to the FHIR store, then SubmitStudy to inference.

Each step is idempotent (conditional create, update by id, SubmitStudy keyed by
content digest) and its result is recorded in the index before the next, so a
crash at any point resumes without a second submission for the same content.
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from radcds.common.v1 import common_pb2
from radcds.inference.v1 import inference_pb2
from radcds_kit.fhir_store import FhirStoreClient

from radcds_ingestion.imaging_study import (
    imaging_study_identifier,
    imaging_study_resource,
    patient_resource,
)
from radcds_ingestion.index import InstanceIndex, StudySnapshot
from radcds_ingestion.study_trace import publication_span

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicationConfig:
    stable_age_s: float
    poll_s: float
    wado_rs_url: str
    mrn_system: str


class StudyPublisher:
    """Writes the ImagingStudy and submits the study; every step is safe to repeat."""

    def __init__(
        self,
        index: InstanceIndex,
        fhir_store: FhirStoreClient,
        inference: Any,
        config: PublicationConfig,
    ) -> None:
        self.index = index
        self.fhir_store = fhir_store
        self.inference = inference
        self.config = config

    async def publish(self, study_instance_uid: str) -> None:
        snapshot = await asyncio.to_thread(self.index.snapshot, study_instance_uid)
        if snapshot is None:
            return
        digest = snapshot.content_digest
        revision = snapshot.study["revision"]
        references = await self._write_imaging_study(snapshot)
        await asyncio.to_thread(
            self.index.record, study_instance_uid, published_revision=revision, **references
        )
        if snapshot.study["submitted_digest"] != digest:
            await self._submit(snapshot, digest, references)
        await asyncio.to_thread(
            self.index.record,
            study_instance_uid,
            submitted_revision=revision,
            submitted_digest=digest,
        )

    async def _write_imaging_study(self, snapshot: StudySnapshot) -> dict[str, str]:
        study = snapshot.study
        patient_ref = study["patient_ref"] or await self._ensure_patient(snapshot)
        service_request = await self._find_service_request(study["accession_number"])
        existing_id = str(study["imaging_study_ref"]).removeprefix("ImagingStudy/")
        references = {"patient": patient_ref, "service_request": service_request}
        resource = imaging_study_resource(
            snapshot, {**references, "id": existing_id}, self.config.wado_rs_url
        )
        written = await self._put(
            resource, "" if existing_id else imaging_study_identifier(study["study_instance_uid"])
        )
        if not existing_id and not written[1]:
            resource["id"] = written[0]["id"]
            written = await self._put(resource, "")
        stored = written[0]
        return {
            "imaging_study_ref": f"ImagingStudy/{stored['id']}",
            "imaging_study_version": str(stored.get("meta", {}).get("versionId", "")),
            "patient_ref": patient_ref,
        }

    async def _ensure_patient(self, snapshot: StudySnapshot) -> str:
        mrn = snapshot.study["patient_id"]
        if not mrn:
            return ""
        resource = patient_resource(snapshot.study, self.config.mrn_system)
        query = f"identifier={quote(self.config.mrn_system)}|{quote(mrn)}"
        patient, _ = await self._put(resource, query)
        return f"Patient/{patient['id']}"

    async def _find_service_request(self, accession_number: str) -> str:
        if not accession_number:
            return ""
        found = await self.fhir_store.search_resources(
            "ServiceRequest", {"identifier": accession_number}
        )
        return f"ServiceRequest/{found[0]['id']}" if found else ""

    async def _put(self, resource: dict[str, Any], if_none_exist: str) -> tuple[Any, bool]:
        return await self.fhir_store.put(resource, if_none_exist=if_none_exist)

    async def _submit(self, snapshot: StudySnapshot, digest: str, refs: dict[str, str]) -> None:
        study_uid = snapshot.study["study_instance_uid"]
        await asyncio.to_thread(self.index.record, study_uid, submitting_digest=digest)
        request = inference_pb2.SubmitStudyRequest(
            study_instance_uid=study_uid,
            content_digest=digest,
            imaging_study=common_pb2.FhirReference(
                reference=refs["imaging_study_ref"], version_id=refs["imaging_study_version"]
            ),
            patient=common_pb2.FhirReference(reference=refs["patient_ref"]),
        )
        response = await self.inference.SubmitStudy(request)
        log.info(
            "study submitted",
            extra={"study_instance_uid": study_uid, "job_id": response.job_id},
        )


class StableStudyDetector:
    """Publishes each study once no instance has arrived for the stable age."""

    def __init__(self, index: InstanceIndex, publisher: StudyPublisher) -> None:
        self.index = index
        self.publisher = publisher
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        config = self.publisher.config
        while not self._stopping.is_set():
            await self.publish_due(time.time() - config.stable_age_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), config.poll_s)

    async def publish_due(self, received_before: float) -> None:
        for study_uid in await asyncio.to_thread(self.index.due_for_publication, received_before):
            try:
                async with publication_span(self.index, study_uid):
                    await self.publisher.publish(study_uid)
            except Exception:  # a peer being down must not stop the loop; retried next poll
                log.exception("publication failed", extra={"study_instance_uid": study_uid})
