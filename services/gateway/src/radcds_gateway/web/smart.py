"""SMART App Launch 2.x with Keycloak as the authorization server: the EHR launch (`iss`
and `launch`) and the standalone launch, both authorization code with PKCE S256.

The token exchange happens here, server side; the browser keeps only a session cookie."""

import base64
import hashlib
import secrets
from typing import Annotated
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from radcds_gateway.auth import AccessToken, InvalidToken, TokenVerifier
from radcds_gateway.web.components import WebComponents
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.sessions import (
    LaunchContext,
    PendingLogin,
    Refresher,
    TokenPair,
    WebSession,
)

SESSION_COOKIE = "radcds_session"
LOGIN_COOKIE = "radcds_login"
# SMART App Launch 2.x, "Scopes for requesting context data": an EHR launch asks for
# `launch` with the EHR's `launch` value; a standalone launch asks for `launch/patient`.
# Launch ids are radcds's own (a card's appContext handle, cds.ledger, or one an EHR
# registered, launch_contexts) and the gateway resolves them: Keycloak cannot resolve SMART
# launch contexts (see the README). The realm's `launch` scope puts the patient the site
# assigned to the user in the token, and check_launch holds the launch to that patient.
EHR_SCOPES = "openid fhirUser launch patient/*.rs"
STANDALONE_SCOPES = "openid fhirUser launch/patient user/*.rs user/DiagnosticReport.cruds"

router = APIRouter(prefix="/app", include_in_schema=False)


def web_components(request: Request) -> WebComponents:
    components: WebComponents = request.app.state.web
    return components


Web = Annotated[WebComponents, Depends(web_components)]


def pkce_pair() -> tuple[str, str]:
    """RFC 7636: a random verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def launch_context(web: WebComponents, handle: str) -> LaunchContext:
    resolved = await web.contexts.resolve_handle(handle) or await web.launches.resolve(handle)
    if resolved is None:
        raise PageError(400, "This link has expired or is not known. Open it again from the EHR.")
    return LaunchContext(
        handle=handle,
        patient=str(resolved.get("patient", "")).removeprefix("Patient/"),
        subjects=tuple(str(s) for s in resolved.get("subjects", [])),
        service=str(resolved.get("service", "")),
        card=str(resolved.get("card", "")),
    )


@router.get("/launch")
async def launch(
    request: Request, web: Web, iss: str | None = None, launch: str | None = None
) -> Response:
    """EHR launch when `iss` and `launch` are given, else a standalone launch."""
    context = None
    if iss is not None or launch is not None:
        if iss is None or launch is None:
            raise PageError(400, "An EHR launch needs both iss and launch.")
        if iss.rstrip("/") != web.fhir_base(request):
            raise PageError(400, "This launch names a FHIR server radcds does not serve.")
        context = await launch_context(web, launch)
    return await _authorize(request, web, context)


@router.get("/reports/{handle}")
async def report_link(request: Request, web: Web, handle: str) -> Response:
    """A card's `absolute` link to the preliminary report: the same launch without `iss`,
    landing on the report part of the patient page."""
    return await _authorize(request, web, await launch_context(web, handle))


async def _authorize(
    request: Request, web: WebComponents, context: LaunchContext | None
) -> Response:
    verifier, challenge = pkce_pair()
    redirect_uri = f"{web.public_base(request)}/app/callback"
    state = await web.sessions.add_login(PendingLogin(verifier, redirect_uri, context))
    params = {
        "response_type": "code", "client_id": web.settings.web_client_id,
        "redirect_uri": redirect_uri, "scope": EHR_SCOPES if context else STANDALONE_SCOPES,
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
        "aud": web.fhir_base(request),
    }  # fmt: skip
    if context is not None:
        params["launch"] = context.handle
    endpoint = (await web.authorization_server())["authorization_endpoint"]
    response = RedirectResponse(f"{endpoint}?{urlencode(params)}", status_code=303)
    _set_cookie(request, response, LOGIN_COOKIE, state, web.settings.web_login_ttl_s)
    return response


@router.get("/callback")
async def callback(
    request: Request, web: Web, code: Annotated[str, Query(max_length=4096)] = "",
    state: Annotated[str, Query(max_length=256)] = "",
) -> Response:  # fmt: skip
    if not code or state != request.cookies.get(LOGIN_COOKIE):
        raise PageError(400, "The sign-in did not complete. Open the link again.")
    pending = await web.sessions.pop_login(state)
    if pending is None:
        raise PageError(400, "The sign-in took too long. Open the link again.")
    pair = await _exchange(web, pending, code)
    token = await _verify(request, pair.access_token)
    if pending.context is not None:
        check_launch(token, pending.context)
    session = WebSession(
        pair.access_token, token, pending.context, refresh_token=pair.refresh_token
    )
    session_id = await web.sessions.add_session(session)
    target = "/app/patient" if pending.context else "/app/worklist"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/app")
    _set_cookie(request, response, SESSION_COOKIE, session_id, web.settings.web_session_ttl_s)
    return response


async def _exchange(web: WebComponents, pending: PendingLogin, code: str) -> TokenPair:
    form = {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": pending.redirect_uri, "client_id": web.settings.web_client_id,
        "code_verifier": pending.code_verifier,
    }  # fmt: skip
    pair = await _token_request(web, form)
    if pair is None:
        raise PageError(400, "The authorization server refused the sign-in.")
    return pair


def refresher(web: WebComponents) -> Refresher:
    """Renews a session's access token with its refresh token (RFC 6749 section 6)."""

    async def refresh(refresh_token: str) -> TokenPair | None:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                "client_id": web.settings.web_client_id}  # fmt: skip
        return await _token_request(web, form)

    return refresh


async def _token_request(web: WebComponents, form: dict[str, str]) -> TokenPair | None:
    endpoint = (await web.authorization_server())["token_endpoint"]
    try:
        response = await web.http.post(endpoint, data=form)
    except httpx.HTTPError:
        raise PageError(503, "The sign-in service does not answer; try again.") from None
    if response.status_code != 200:
        return None
    body = response.json()
    return TokenPair(str(body["access_token"]), str(body.get("refresh_token", "")))


def app_verifier(request: Request) -> TokenVerifier:
    """The app's one token verifier (auth.install_token_verifier)."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise PageError(503, "Sign-in is not configured on this gateway.")
    return verifier


async def _verify(request: Request, raw_token: str) -> AccessToken:
    try:
        return await app_verifier(request).verify(raw_token)
    except InvalidToken:
        raise PageError(401, "The access token was not accepted.") from None


def check_launch(token: AccessToken, context: LaunchContext) -> None:
    """The token came from this launch's authorization request (state and PKCE bind it);
    it must have been granted `launch`, and when the authorization server confined it to a
    patient, that patient must be the launch's."""
    if "launch" not in token.scopes:
        raise PageError(403, "The authorization server did not grant the EHR launch.")
    confined_to = token.patient_restriction("Observation", "search")
    if confined_to is not None and confined_to != context.patient:
        raise PageError(403, "This link is for a patient outside your sign-in.")


@router.post("/logout")
async def logout(request: Request, web: Web) -> Response:
    await web.sessions.drop_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/app/signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/app")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, ttl: int) -> None:
    # Lax: sent on the authorization server's redirect back, never on a cross-site POST.
    secure = request.url.scheme == "https"
    response.set_cookie(
        name, value, max_age=ttl, path="/app", httponly=True, samesite="lax", secure=secure
    )
