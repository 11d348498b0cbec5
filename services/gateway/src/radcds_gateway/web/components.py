"""Everything the web pages need, built once by mount_web."""

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from fastapi import Request
from redis.asyncio import Redis

from radcds_gateway.cds.feedback import Feedback
from radcds_gateway.cds.feedback_store import CardFacts
from radcds_gateway.web.report_client import ReportClient
from radcds_gateway.web.sessions import LaunchRegistry, SessionStore
from radcds_gateway.web.settings import WebSettings


class ContextResolver(Protocol):
    async def resolve_handle(self, handle: str) -> dict[str, Any] | None:
        """What a card's appContext handle stands for; cds.ledger.CardLedger does this."""
        ...

    async def card_facts(self, card_uuid: str) -> dict[str, Any] | None:
        """Which model and version made a card."""
        ...


class FeedbackRecorder(Protocol):
    def record(self, service_id: str, items: list[tuple[Feedback, CardFacts]]) -> int:
        """cds.feedback_store.FeedbackStore: stores each item once."""
        ...


@dataclass
class WebComponents:
    settings: WebSettings
    http: httpx.AsyncClient
    reports: ReportClient
    contexts: ContextResolver
    feedback: FeedbackRecorder | None
    redis: "Redis"
    sessions: SessionStore = field(init=False)
    launches: LaunchRegistry = field(init=False)
    _discovery: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        settings = self.settings
        self.sessions = SessionStore(
            self.redis, settings.web_login_ttl_s, settings.web_session_ttl_s
        )
        self.launches = LaunchRegistry(self.redis, settings.web_login_ttl_s)

    def public_base(self, request: Request) -> str:
        return self.settings.web_public_base_url or str(request.base_url).rstrip("/")

    def fhir_base(self, request: Request) -> str:
        return self.settings.web_fhir_base_url or f"{self.public_base(request)}/fhir"

    async def authorization_server(self) -> dict[str, Any]:
        """The realm's OpenID configuration (authorization and token endpoints)."""
        if self._discovery is None:
            url = f"{self.settings.web_authorization_server}/.well-known/openid-configuration"
            response = await self.http.get(url)
            response.raise_for_status()
            self._discovery = dict(response.json())
        return self._discovery

    async def aclose(self) -> None:
        await self.reports.close()
        await self.http.aclose()
        await self.redis.aclose()
