"""The running suite for the web tests: a real gateway process (FHIR store), risk and
report processes, Redis, Keycloak, and the web app under uvicorn on an ephemeral port."""

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
import uvicorn
from fastapi import FastAPI
from keycloak import KeycloakAdmin, KeycloakOpenID
from radcds.report.v1 import report_pb2_grpc
from radcds_gateway.auth import KeycloakTokenVerifier, install_token_verifier
from radcds_gateway.cds.card_parts import CardDraft, ModelVersion, topic
from radcds_gateway.cds.feedback_store import FeedbackStore
from radcds_gateway.cds.ledger import CardLedger
from radcds_gateway.web import WebSettings, mount_web
from radcds_kit.fhir_store import FhirStoreClient
from redis.asyncio import Redis
from sqlalchemy import create_engine

T = TypeVar("T")


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine in a thread of its own: Playwright's sync API holds an event loop
    in the test's thread."""

    async def main() -> T:
        return await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


REALM = "radcds"
AUDIENCE = "radcds-gateway"
PHYSICIAN = ("dr.physician", "dev-only-physician")
RADIOLOGIST = ("dr.radiologist", "dev-only-radiologist")


@dataclass
class WebSuite:
    web_url: str
    fhir_url: str
    gateway_grpc: str
    report_grpc: str
    redis_url: str
    feedback: FeedbackStore
    ingestion_grpc: str

    def run(self, work: Callable[[FhirStoreClient, Any], Awaitable[T]]) -> T:
        """Runs `work(store, report_stub)` on fresh channels in a fresh event loop."""

        async def main() -> T:
            async with (
                grpc.aio.insecure_channel(self.gateway_grpc) as gateway,
                grpc.aio.insecure_channel(self.report_grpc) as report,
            ):
                store = FhirStoreClient(gateway, client_id="web-tests")
                return await work(store, report_pb2_grpc.ReportServiceStub(report))

        return run_async(main)

    def card_link(
        self, patient_id: str, subjects: list[str], kind: str = "smart", app_url: str = ""
    ) -> dict[str, Any]:
        """Keeps a card as the CDS service does and returns its link of that type; its
        appContext handle is the SMART `launch` id."""
        draft = CardDraft(
            summary="Intracranial haemorrhage suspected by AI", indicator="critical",
            detail="", model=ModelVersion("ich_detector", "1.0.0", "models/ich_detector"),
            topic=topic("ai-finding", "AI finding"), subjects=subjects,
        )  # fmt: skip

        async def keep() -> dict[str, str]:
            redis = Redis.from_url(self.redis_url)
            try:
                return await CardLedger(redis, 3600).keep("radcds-imaging", patient_id, [draft], 5)
            finally:
                await redis.aclose()

        handles = run_async(keep)
        card = draft.render(f"{app_url or self.web_url}/app", handles[draft.uuid])
        return dict(next(link for link in card["links"] if link["type"] == kind))


class UvicornThread:
    """An ASGI app on a socket bound before the app is built (its URL is a redirect URI)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def start(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, args=([self.socket],))
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.socket.close()


def allow_redirect(admin: KeycloakAdmin, redirect_uri: str) -> None:
    """Adds this test server's callback to the radcds-web client's redirect URIs."""
    client_id = admin.get_client_id("radcds-web")
    assert client_id is not None, "the realm has no radcds-web client"
    client = admin.get_client(client_id)
    uris = [*client.get("redirectUris", []), redirect_uri]
    admin.update_client(client_id, {**client, "redirectUris": uris})


def web_app(settings: WebSettings, keycloak_url: str, report_grpc: str, redis_url: str,
            feedback: FeedbackStore) -> FastAPI:  # fmt: skip
    app = FastAPI()
    openid = KeycloakOpenID(server_url=keycloak_url, realm_name=REALM, client_id=AUDIENCE)
    install_token_verifier(app, KeycloakTokenVerifier(openid, audience=AUDIENCE))
    ledger = CardLedger(Redis.from_url(redis_url), 3600)
    mount_web(app, settings, report_grpc_address=report_grpc, contexts=ledger, feedback=feedback)
    return app


@contextmanager
def serve_web(
    admin: KeycloakAdmin, keycloak_url: str, fhir_url: str, report_grpc: str, redis_url: str,
    state_dir: Path,
) -> Iterator[tuple[str, FeedbackStore]]:  # fmt: skip
    server = UvicornThread()
    allow_redirect(admin, f"{server.base_url}/app/callback")
    settings = WebSettings(
        web_authorization_server=f"{keycloak_url}/realms/{REALM}",
        web_fhir_base_url=fhir_url, web_worklist_poll_s=0.5, redis_url=redis_url,
    )  # fmt: skip
    feedback = FeedbackStore(create_engine(f"sqlite:///{state_dir / 'feedback.sqlite'}"))
    server.start(web_app(settings, keycloak_url, report_grpc, redis_url, feedback))
    try:
        yield server.base_url, feedback
    finally:
        server.stop()
