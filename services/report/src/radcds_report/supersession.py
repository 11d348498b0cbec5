"""Whether a result set may become the current version of a study's report.

It may not when it is older than the result set the current version was composed from
(radcds_report.ordering), when it was the current version once and has been replaced since
(report's own record, table `result_set`), or when a clinician has signed the report: an AI
result set never replaces a signed report; it is held for review instead.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import grpc
from radcds_kit.fhir_store import FhirStoreClient, FhirStoreError

from radcds_report.ordering import ResultSetOrder, order_of
from radcds_report.state import Outcome, ReportState

Resource = dict[str, Any]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultSet:
    study_uid: str
    digest: str
    job_id: str
    order: ResultSetOrder


class Supersession:
    def __init__(self, store: FhirStoreClient, state: ReportState) -> None:
        self._store = store
        self._state = state

    async def keeps_current(self, current: Resource, current_digest: str, new: ResultSet) -> bool:
        """True when the current version stays; logs why (job and digest only, no PHI)."""
        known = await asyncio.to_thread(self._state.result_set, new.study_uid, new.digest)
        superseded = known is not None and known.outcome == "composed"
        if not superseded:
            current_order = await self._order_of(current, new.study_uid, current_digest)
            superseded = new.order.older_than(current_order)
        if superseded:
            log.info("compose superseded", extra={"job_id": new.job_id, "digest": new.digest})
            return True
        if current.get("status") == "preliminary":
            return False
        await self.record(new, "held")
        log.warning(
            "compose held for review: the report is signed",
            extra={"job_id": new.job_id, "digest": new.digest, "status": current.get("status")},
        )
        return True

    async def record(self, result_set: ResultSet, outcome: Outcome) -> None:
        r = result_set
        await asyncio.to_thread(
            self._state.record_result_set, r.study_uid, r.digest, r.order, outcome, r.job_id
        )

    async def composed(self, study_uid: str, digest: str) -> None:
        """The result set is the current version (after its transaction)."""
        await asyncio.to_thread(self._state.mark_composed, study_uid, digest)

    async def _order_of(self, current: Resource, study_uid: str, digest: str) -> ResultSetOrder:
        """From report's own record; for a version composed before it kept one, from the
        version's Observations."""
        known = await asyncio.to_thread(self._state.result_set, study_uid, digest)
        if known is not None:
            return known.order
        found = []
        for result in current.get("result", []):
            kind, _, id_ = str(result.get("reference", "")).partition("/")
            if kind != "Observation" or not id_:
                continue
            try:
                found.append(await self._store.get("Observation", id_))
            except FhirStoreError as error:
                if error.code != grpc.StatusCode.NOT_FOUND:
                    raise
        return order_of("", found)
