"""Sign-off and amendment: only a practitioner moves a report on; the AI never signs.

FHIR R4 DiagnosticReport.status: a signed report is `final`; a change after
that is `amended`. Each step adds a Provenance naming the practitioner, and
every version stays readable through the FHIR history.
"""

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from radcds_kit.fhir_store import FhirStoreClient

from radcds_report.composer import result_set_digest
from radcds_report.content import ReportContent, Signature
from radcds_report.documents import presented_form
from radcds_report.pacs.publications import PublicationQueue
from radcds_report.resources import provenance
from radcds_report.state import ReportState
from radcds_report.vocabulary import REPORT_IDENTIFIER_SYSTEM

Resource = dict[str, Any]


class NotAllowed(PermissionError):
    """The actor may not do this (a service, or not a practitioner)."""


class WrongState(ValueError):
    """The report is not in a state that allows this step, or has moved on."""


def _practitioner(reference: str, is_practitioner: bool) -> str:
    if not is_practitioner or not reference.startswith("Practitioner/"):
        raise NotAllowed("only a practitioner may sign or amend a report; the AI never signs")
    return reference


def _signatures(provenances: list[Resource]) -> list[Signature]:
    """The practitioners' steps recorded for a report, oldest first."""
    steps = []
    for record in sorted(provenances, key=lambda p: str(p.get("recorded", ""))):
        for agent in record.get("agent", []):
            who = agent.get("who", {})
            codes = {c.get("code") for c in agent.get("type", {}).get("coding", [])}
            if not str(who.get("reference", "")).startswith("Practitioner/"):
                continue
            kind = "signed" if "attester" in codes else "amended"
            reason = " ".join(r.get("text", "") for r in record.get("reason", []))
            when = str(record.get("recorded", ""))[:16].replace("T", " ") + " UTC"
            steps.append(Signature(str(who.get("display", who["reference"])), when, kind, reason))
    return steps


class ReportLifecycle:
    def __init__(
        self,
        store: FhirStoreClient,
        state: ReportState,
        publications: PublicationQueue | None = None,
    ) -> None:
        self._store = store
        self._state = state
        self._publications = publications

    async def _request_publication(self, report: Resource, before_write: bool = False) -> None:
        """Before and after the write: the new version reaches the PACS even after a crash."""
        if self._publications is not None:
            queue = self._publications
            request = queue.request_before_write if before_write else queue.request
            await asyncio.to_thread(request, study_uid_of(report))

    async def sign(
        self, report_id: str, signer: str, is_practitioner: bool, if_match: str
    ) -> Resource:
        practitioner = _practitioner(signer, is_practitioner)
        report, content = await self._load(report_id, if_match)
        if report["status"] != "preliminary":
            raise WrongState(f"the report is {report['status']}; only a preliminary one is signed")
        name = await self._display(practitioner)
        step = Signature(name, _now_text(), "signed")
        content = dataclasses.replace(
            content, status="final", signatures=[*content.signatures, step]
        )
        report["resultsInterpreter"] = [{"reference": practitioner, "display": name}]
        return await self._write(report, content, ("attester", practitioner, name), "")

    async def amend(
        self,
        report_id: str,
        author: str,
        is_practitioner: bool,
        conclusion: str,
        reason: str,
        if_match: str,
    ) -> Resource:
        practitioner = _practitioner(author, is_practitioner)
        if not conclusion.strip() or not reason.strip():
            raise ValueError("an amendment needs the new conclusion and its reason")
        report, content = await self._load(report_id, if_match)
        status = "preliminary" if report["status"] == "preliminary" else "amended"
        name = await self._display(practitioner)
        step = Signature(name, _now_text(), "amended", reason)
        content = dataclasses.replace(
            content,
            status=status,
            conclusion=conclusion,
            signatures=[*content.signatures, step],
        )
        return await self._write(report, content, ("author", practitioner, name), reason)

    async def _load(self, report_id: str, if_match: str) -> tuple[Resource, ReportContent]:
        """The report and its content: words as composed, state as the FHIR store has it."""
        report = await self._store.get("DiagnosticReport", report_id)
        version = report.get("meta", {}).get("versionId", "")
        if if_match and if_match != version:
            raise WrongState(f"the report is at version {version}, not {if_match}")
        composed = self._state.load_content(study_uid_of(report), result_set_digest(report) or "")
        if composed is None:
            raise WrongState("this report was not composed by radcds; its content is unknown")
        provenances = await self._store.search_resources(
            "Provenance", {"target": f"DiagnosticReport/{report_id}"}
        )
        content = dataclasses.replace(
            composed,
            status=report["status"],
            conclusion=report.get("conclusion", ""),
            signatures=_signatures(provenances),
        )
        return report, content

    async def _display(self, practitioner: str) -> str:
        resource = await self._store.get("Practitioner", practitioner.split("/", 1)[1])
        names = resource.get("name", [])
        if not names:
            return practitioner
        name = names[0]
        return str(name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]))

    async def _write(
        self, report: Resource, content: ReportContent, agent: tuple[str, str, str], reason: str
    ) -> Resource:
        report["status"] = content.status
        report["conclusion"] = content.conclusion
        report["presentedForm"] = presented_form(content)
        report["issued"] = datetime.now(UTC).isoformat(timespec="seconds")
        target = f"DiagnosticReport/{report['id']}"
        version = report.get("meta", {}).get("versionId", "")
        record = provenance(target, [agent], "UPDATE", [], reason)
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": report,
                    "request": {"method": "PUT", "url": target, "ifMatch": f'W/"{version}"'},
                },
                {
                    "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                    "resource": record,
                    "request": {"method": "POST", "url": "Provenance"},
                },
            ],
        }
        await self._request_publication(report, before_write=True)
        await self._store.transaction(bundle)
        await self._request_publication(report)
        return await self._store.get("DiagnosticReport", report["id"])


def study_uid_of(report: Resource) -> str:
    return next(
        (
            str(i["value"])
            for i in report.get("identifier", [])
            if i.get("system") == REPORT_IDENTIFIER_SYSTEM
        ),
        "",
    )


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
