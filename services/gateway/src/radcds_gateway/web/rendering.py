"""Jinja2 templates (autoescaped) and the error page."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from radcds_gateway.web.sessions import WebSession

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# No inline scripts, no third-party anything; frames only for our own report documents.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; form-action 'self' "
)


def render(
    request: Request, name: str, session: WebSession | None, status: int = 200, **values: Any
) -> HTMLResponse:
    context = {"session": session, **values}
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
