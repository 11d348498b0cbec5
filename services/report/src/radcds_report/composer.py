"""Compose: findings and risks into one preliminary DiagnosticReport per study.

Idempotent per study and result set: the report carries the digest of the
result set it was composed from, and the same digest composes once. A newer
result set makes a new version of the same report, never a second report; an
older one (a retried hand-over of an earlier job) leaves the report as it is, and
so does any result set once a clinician has signed the report
(radcds_report.supersession).
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from radcds.risk.v1 import risk_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient

from radcds_report.content import (
    ReportContent,
    conclusion_for,
    model_line,
    patient_line,
    study_line,
)
from radcds_report.documents import presented_form
from radcds_report.findings import read_finding
from radcds_report.key_images.service import KeyImages
from radcds_report.ordering import order_of
from radcds_report.pacs.publications import PublicationQueue
from radcds_report.record import patient_record
from radcds_report.resources import (
    diagnostic_report,
    finding_concept,
    key_image_id,
    key_image_media,
    provenance,
    report_code,
)
from radcds_report.risks import assess
from radcds_report.state import ReportState
from radcds_report.supersession import ResultSet, Supersession
from radcds_report.vocabulary import (
    KEY_IMAGE_IDENTIFIER_SYSTEM,
    REPORT_IDENTIFIER_SYSTEM,
    RESULT_SET_EXTENSION,
    RISK_IDENTIFIER_SYSTEM,
)

Resource = dict[str, Any]


class ComposeError(ValueError):
    """The request cannot be composed as it stands."""


@dataclass(frozen=True)
class ComposeOrder:
    study_uid: str
    imaging_study: str
    patient: str
    findings: list[str]
    digest: str
    # The ImagingStudy version the job was submitted for (ComposeRequest.imaging_study).
    study_version: str = ""
    job_id: str = ""


@dataclass(frozen=True)
class Composed:
    report: Resource
    duplicate: bool


def result_set_digest(report: Resource) -> str | None:
    for extension in report.get("extension", []):
        if extension.get("url") == RESULT_SET_EXTENSION:
            return str(extension.get("valueString"))
    return None


async def current_report(store: FhirStoreClient, study_uid: str) -> Resource | None:
    found = await store.search_resources(
        "DiagnosticReport", {"identifier": f"{REPORT_IDENTIFIER_SYSTEM}|{study_uid}"}
    )
    return found[0] if found else None


def _id_of(reference: str, expected_type: str) -> str:
    resource_type, _, id_ = reference.partition("/")
    if resource_type != expected_type or not id_:
        raise ComposeError(f"expected a {expected_type} reference, got {reference!r}")
    return id_


class Composer:
    def __init__(
        self,
        store: FhirStoreClient,
        risk: "risk_pb2_grpc.RiskServiceAsyncStub",
        state: ReportState,
        risk_timeout_s: float,
        publications: PublicationQueue | None = None,
        key_images: KeyImages | None = None,
    ) -> None:
        self._store = store
        self._key_images = key_images
        self._state = state
        self._risk = risk
        self._risk_timeout_s = risk_timeout_s
        self._publications = publications
        self._supersession = Supersession(store, state)

    async def _request_publication(self, study_uid: str, before_write: bool = False) -> None:
        """Stored before answering, so that a composed report always reaches the PACS."""
        if self._publications is not None:
            queue = self._publications
            request = queue.request_before_write if before_write else queue.request
            await asyncio.to_thread(request, study_uid)

    async def compose(self, order: ComposeOrder) -> Composed:
        existing = await current_report(self._store, order.study_uid)
        if existing is not None and result_set_digest(existing) == order.digest:
            await self._supersession.composed(order.study_uid, order.digest)
            await self._request_publication(order.study_uid)
            return Composed(existing, duplicate=True)
        if not order.findings:
            raise ComposeError("a result set needs at least one finding")
        findings = [await self._observation(ref) for ref in order.findings]
        incoming = ResultSet(
            order.study_uid, order.digest, order.job_id, order_of(order.study_version, findings)
        )
        if existing is not None and await self._supersession.keeps_current(
            existing, result_set_digest(existing) or "", incoming
        ):
            return Composed(existing, duplicate=True)
        study = await self._store.get("ImagingStudy", _id_of(order.imaging_study, "ImagingStudy"))
        patient_ref = order.patient or study.get("subject", {}).get("reference", "")
        record = await patient_record(self._store, patient_ref)
        assessment = await assess(self._risk, record, findings, self._risk_timeout_s)
        content = await self._content(order.study_uid, study, record, findings, assessment.lines)
        self._state.save_content(order.study_uid, order.digest, content)
        await self._supersession.record(incoming, "composing")
        bundle = await self._transaction(order, study, patient_ref, content, existing, assessment)
        await self._request_publication(order.study_uid, before_write=True)
        await self._store.transaction(bundle)
        await self._request_publication(order.study_uid)
        stored = await current_report(self._store, order.study_uid)
        assert stored is not None
        if result_set_digest(stored) == order.digest:
            await self._supersession.composed(order.study_uid, order.digest)
        return Composed(stored, duplicate=False)

    async def _observation(self, reference: str) -> Resource:
        return await self._store.get("Observation", _id_of(reference, "Observation"))

    async def _content(
        self,
        study_uid: str,
        study: Resource,
        record: Resource,
        findings: list[Resource],
        risks: list[Any],
    ) -> ReportContent:
        read = [read_finding(f) for f in findings]
        key_images = []
        if self._key_images is not None:
            key_images = await self._key_images.for_report(study_uid, findings, read)
        devices = sorted({f.device for f in read if f.device})
        models = [model_line(await self._store.get("Device", _id_of(d, "Device"))) for d in devices]
        patient = record["entry"][0]["resource"]
        return ReportContent(
            title=f"{report_code(study)[1]}: AI preliminary report",
            status="preliminary",
            patient=patient_line(patient),
            study=study_line(study),
            findings=read,
            risks=risks,
            models=models,
            conclusion=conclusion_for(read, risks),
            key_images=key_images,
        )

    async def _transaction(
        self,
        order: ComposeOrder,
        study: Resource,
        patient: str,
        content: ReportContent,
        existing: Resource | None,
        assessment: Any,
    ) -> Resource:
        entries = await self._risk_entries(order.study_uid, patient, assessment.risk_assessments)
        media = await self._media_entries(order.study_uid, study, patient, content)
        entries += [entry for entry, _ in media]
        report = diagnostic_report(
            study_uid=order.study_uid,
            imaging_study=study,
            patient=patient,
            content=content,
            documents=presented_form(content),
            digest=order.digest,
            results=order.findings,
        )
        if media:
            report["media"] = [
                {"comment": image.title, "link": {"reference": link}}
                for (_, link), image in zip(media, content.key_images, strict=True)
            ]
        report_url = f"urn:uuid:{uuid.uuid4()}"
        if existing is None:
            identifier = f"identifier={REPORT_IDENTIFIER_SYSTEM}|{order.study_uid}"
            entries.append(_entry(report_url, report, "POST", "DiagnosticReport", identifier))
            target = report_url
        else:
            report["id"] = existing["id"]
            target = f"DiagnosticReport/{existing['id']}"
            version = existing.get("meta", {}).get("versionId", "")
            entries.append(_entry(target, report, "PUT", target, if_match=version))
        devices = sorted({f.device for f in content.findings if f.device})
        agents = [("author", d, "") for d in devices]
        activity = "CREATE" if existing is None else "UPDATE"
        record = provenance(target, agents, activity, order.findings)
        entries.append(_entry(f"urn:uuid:{uuid.uuid4()}", record, "POST", "Provenance"))
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

    async def _risk_entries(
        self, study_uid: str, patient: str, assessments: list[tuple[str, Resource]]
    ) -> list[Resource]:
        current = await self._store.search_resources("RiskAssessment", {"subject": patient})
        by_value = {
            i.get("value"): r
            for r in current
            for i in r.get("identifier", [])
            if i.get("system") == RISK_IDENTIFIER_SYSTEM
        }
        entries = []
        for calculator, resource in assessments:
            value = f"{study_uid}/{calculator}"
            resource["identifier"] = [{"system": RISK_IDENTIFIER_SYSTEM, "value": value}]
            if (old := by_value.get(value)) is not None:
                resource["id"] = old["id"]
                entries.append(_entry("", resource, "PUT", f"RiskAssessment/{old['id']}"))
            else:
                query = f"identifier={RISK_IDENTIFIER_SYSTEM}|{value}"
                url = f"urn:uuid:{uuid.uuid4()}"
                entries.append(_entry(url, resource, "POST", "RiskAssessment", query))
        return entries

    async def _media_entries(
        self, study_uid: str, study: Resource, patient: str, content: ReportContent
    ) -> list[tuple[Resource, str]]:
        """Each key image as a Media entry, with the reference the report links it by."""
        if not content.key_images:
            return []
        current = await self._store.search_resources("Media", {"subject": patient})
        by_value = {
            i.get("value"): m
            for m in current
            for i in m.get("identifier", [])
            if i.get("system") == KEY_IMAGE_IDENTIFIER_SYSTEM
        }
        codes = {f.reference: finding_concept(f) for f in content.findings}
        media = []
        for image in content.key_images:
            resource = key_image_media(
                study_uid=study_uid, imaging_study=study, patient=patient, image=image,
                reason=codes.get(image.finding),
            )  # fmt: skip
            if (old := by_value.get(key_image_id(study_uid, image))) is not None:
                resource["id"] = old["id"]
                target = f"Media/{old['id']}"
                media.append((_entry("", resource, "PUT", target), target))
            else:
                url = f"urn:uuid:{uuid.uuid4()}"
                media.append((_entry(url, resource, "POST", "Media"), url))
        return media


def _entry(
    full_url: str,
    resource: Resource,
    method: str,
    url: str,
    if_none_exist: str = "",
    if_match: str = "",
) -> Resource:
    request: Resource = {"method": method, "url": url}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    if if_match:
        request["ifMatch"] = f'W/"{if_match}"'
    entry: Resource = {"resource": resource, "request": request}
    if full_url:
        entry["fullUrl"] = full_url
    return entry
