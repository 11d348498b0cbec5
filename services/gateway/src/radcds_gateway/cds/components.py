"""Everything the CDS Hooks API needs, built once from settings; closed on shutdown."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from fastapi import Request
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine

from radcds_gateway.cds.client_auth import CdsClientRejected, CdsClientVerifier
from radcds_gateway.cds.feedback_store import FeedbackCollector, FeedbackStore
from radcds_gateway.cds.fhir_client import ClientFhirReader
from radcds_gateway.cds.findings import FindingsReader
from radcds_gateway.cds.handler import HookHandler
from radcds_gateway.cds.ledger import CardLedger
from radcds_gateway.cds.replay import ReplayGuard
from radcds_gateway.cds.risk_client import RiskClient
from radcds_gateway.cds.settings import CdsSettings

# The physician's token for the feedback summary: the gateway's AuthPolicy.authenticate.
UserAuthenticator = Callable[[Request], Awaitable[object]]


@dataclass
class CdsComponents:
    settings: CdsSettings
    verifier: CdsClientVerifier
    handler: HookHandler
    ledger: CardLedger
    feedback: FeedbackStore
    redis: "Redis"
    http: httpx.AsyncClient
    risk: RiskClient
    user_auth: UserAuthenticator | None = None

    async def authenticate_user(self, request: Request) -> None:
        if self.user_auth is not None:
            await self.user_auth(request)
            return
        policy = getattr(request.app.state, "fhir_auth_policy", None)
        if policy is None:
            raise CdsClientRejected("no user authentication configured")
        await policy.authenticate(request)

    def app_url(self, request: Request) -> str:
        """The web page's absolute URL: configured, or beside the URL the client called."""
        base = self.settings.cds_public_base_url or str(request.base_url).rstrip("/")
        return self.settings.cds_app_url or f"{base}/app"

    async def redis_ready(self) -> bool:
        """Readiness: the replay store answers (without it every CDS call is refused)."""
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def aclose(self) -> None:
        await self.risk.close()
        await self.http.aclose()
        await self.redis.aclose()


def open_cds(
    settings: CdsSettings,
    *,
    risk_grpc_address: str,
    findings: FindingsReader,
    database: Engine,
    registry: CollectorRegistry,
) -> CdsComponents:
    """Builds the clients (each connects lazily, inside the serving event loop)."""
    redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    http = httpx.AsyncClient(follow_redirects=False, limits=httpx.Limits(max_connections=100))
    risk = RiskClient(risk_grpc_address, settings.cds_risk_deadline_s)
    ledger = CardLedger(redis, settings.cds_card_ttl_s)
    fhir = ClientFhirReader(http, settings.cds_fhir_timeout_s, settings.cds_fhir_max_pages)
    handler = HookHandler(settings, fhir, findings, risk, ledger)
    store = FeedbackStore(database)
    registry.register(FeedbackCollector(store))
    verifier = CdsClientVerifier(settings, http, ReplayGuard(redis))
    return CdsComponents(settings, verifier, handler, ledger, store, redis, http, risk)
