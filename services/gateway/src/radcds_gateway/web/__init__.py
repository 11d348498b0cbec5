"""The physician's patient page and the radiologists' worklist, served at /app.

Launched from the EHR (SMART App Launch, a CDS card's `smart` link) or standalone, with
Keycloak as the authorization server. `mount_web` adds it to the gateway's FastAPI app;
`WebSettings` is the settings mixin that configures it. The app's token verifier
(auth.install_token_verifier) checks the tokens it receives. Logins, sessions and
EHR-registered launch contexts are kept in Redis (RADCDS_REDIS_URL), shared by replicas.
"""

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from radcds_gateway.web import launch_contexts, pages, smart
from radcds_gateway.web.components import ContextResolver, FeedbackRecorder, WebComponents
from radcds_gateway.web.errors import LoginRequired, PageError
from radcds_gateway.web.rendering import render
from radcds_gateway.web.report_client import ReportClient
from radcds_gateway.web.settings import WebSettings

__all__ = ["WebComponents", "WebSettings", "mount_web"]
STATIC = Path(__file__).parent / "static"


async def _login_required(request: Request, error: Exception) -> Response:
    if request.url.path.endswith("/events"):
        return Response(status_code=401)
    return RedirectResponse("/app/launch", status_code=303)


async def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return render(request, "message.html", None, status=error.status,
                  title="radcds cannot show this page", message=error.message)  # fmt: skip


def mount_web(
    app: FastAPI,
    settings: WebSettings,
    *,
    report_grpc_address: str,
    contexts: ContextResolver,
    feedback: FeedbackRecorder | None = None,
) -> WebComponents:
    """Adds /app: SMART launch, patient page, worklist, report documents, static assets.
    `contexts` resolves card handles (cds.ledger.CardLedger); `feedback` stores the
    physician's agree/disagree (cds.feedback_store.FeedbackStore)."""
    http = httpx.AsyncClient(follow_redirects=False, timeout=10.0)
    reports = ReportClient(report_grpc_address, settings.web_report_timeout_s)
    # Sessions are read on every page: a Redis that does not answer fails fast (503).
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    web = WebComponents(settings, http, reports, contexts, feedback, redis)
    app.state.web = web
    app.state.web_stopping = asyncio.Event()
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageError, _page_error)
    app.include_router(smart.router)
    app.include_router(launch_contexts.router)
    app.include_router(pages.router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")

    async def stop() -> None:
        app.state.web_stopping.set()
        await web.aclose()

    app.router.add_event_handler("shutdown", stop)
    return web
