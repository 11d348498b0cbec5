"""Answers one hook call: prefetch, radcds's findings, the risk service, cards.

The answer always comes within the budget: when the findings store or the risk service is
slow or down, the card says AI results are unavailable (issue 9, "Degraded, never broken").
"""

import asyncio
import logging
import time
from typing import Any

from radcds_gateway.cds.card_parts import CardDraft
from radcds_gateway.cds.card_trace import record_cards_in_study_traces
from radcds_gateway.cds.cards import patient_view_cards, unavailable_card
from radcds_gateway.cds.findings import FindingsReader, PatientFindings
from radcds_gateway.cds.hooks import selected_orders
from radcds_gateway.cds.ledger import CardLedger
from radcds_gateway.cds.order_cards import order_check_cards, prior_findings_card
from radcds_gateway.cds.prefetch import FhirReader, PrefetchData, resolve_prefetch
from radcds_gateway.cds.record import patient_bundle
from radcds_gateway.cds.request import HookRequest, InvalidHookRequest
from radcds_gateway.cds.risk_client import RiskClient, RiskRejected, RiskResult
from radcds_gateway.cds.services import CdsService
from radcds_gateway.cds.settings import CdsSettings

log = logging.getLogger(__name__)
# Left for findings and risk even when prefetch used most of the budget.
MIN_ASSESS_S = 0.05
Resource = dict[str, Any]


class HookHandler:
    def __init__(
        self,
        settings: CdsSettings,
        fhir: FhirReader,
        findings: FindingsReader,
        risk: RiskClient,
        ledger: CardLedger,
    ) -> None:
        self._settings = settings
        self._fhir = fhir
        self._findings = findings
        self._risk = risk
        self._ledger = ledger

    async def answer(
        self, service: CdsService, request: HookRequest, app_url: str
    ) -> dict[str, Any]:
        """The response body; raises PrefetchUnavailable (412) when data cannot be had.
        `app_url` is the web page's absolute URL, which card links and sources point into."""
        budget, started = self._settings.cds_budget_s, time.monotonic()
        prefetch_s = min(self._settings.cds_fhir_timeout_s, budget - MIN_ASSESS_S)
        data = await resolve_prefetch(request, service.prefetch, self._fhir, prefetch_s)
        remaining = max(MIN_ASSESS_S, budget - (time.monotonic() - started))
        drafts = await self._drafts_within(service, request, data, remaining)
        remaining = max(MIN_ASSESS_S, budget - (time.monotonic() - started))
        handles = await self._ledger.keep(service.id, request.patient_id, drafts, remaining)
        return {"cards": [d.render(app_url, handles.get(d.uuid)) for d in drafts]}

    async def _drafts_within(
        self, service: CdsService, request: HookRequest, data: PrefetchData, seconds: float
    ) -> list[CardDraft]:
        try:
            async with asyncio.timeout(seconds):
                return await self._drafts(service, request, data)
        except RiskRejected as rejected:
            raise InvalidHookRequest(
                f"the patient's record cannot be assessed: {rejected}"
            ) from None
        except Exception as error:  # degraded, never broken: any failure is the info card
            log.warning(
                "AI results unavailable",
                extra={"service": service.id, "error": type(error).__name__},
            )
            return [unavailable_card()]

    async def _drafts(
        self, service: CdsService, request: HookRequest, data: PrefetchData
    ) -> list[CardDraft]:
        resources = [r for key in service.prefetch for r in data.get(key, [])]
        findings = await self._findings.findings_for(request.patient_id)
        if request.hook == "patient-view":
            results = await self._risk.assess(
                patient_bundle(resources), findings.observations, service.calculators
            )
            drafts = patient_view_cards(request.patient_id, findings, results, resources)
        else:
            drafts = await self._order_drafts(service, request, resources, findings)
        record_cards_in_study_traces(request.hook, drafts, findings.observations)
        return drafts

    async def _order_drafts(
        self,
        service: CdsService,
        request: HookRequest,
        resources: list[Resource],
        findings: PatientFindings,
    ) -> list[CardDraft]:
        orders = [
            o
            for o in selected_orders(request.hook, request.context)
            if o.get("resourceType") == "ServiceRequest"
        ]
        bundle = patient_bundle(resources)
        answers = await asyncio.gather(
            *(
                self._risk.assess(bundle, findings.observations, service.calculators, order)
                for order in orders
            ),
            return_exceptions=True,
        )
        per_order = [_checked(answer) for answer in answers]
        drafts = [
            c for o, r in zip(orders, per_order, strict=True) for c in order_check_cards(o, r)
        ]
        imaging = any(result.computed for results in per_order for result in results)
        prior = prior_findings_card(findings) if imaging else None
        return drafts + ([prior] if prior else [])


def _checked(answer: list[RiskResult] | BaseException) -> list[RiskResult]:
    """An order the risk service cannot read gets no checks; any other failure degrades."""
    if isinstance(answer, RiskRejected):
        return []
    if isinstance(answer, BaseException):
        raise answer
    return answer
