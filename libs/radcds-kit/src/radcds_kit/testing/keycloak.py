"""A real Keycloak for tests (scripts/keycloak.sh, the realm from deploy/keycloak), and a
client that gets tokens the way real clients do: client credentials for services, the
authorization code flow with PKCE for users.

RADCDS_TEST_KEYCLOAK_URL points the fixtures at a Keycloak already started with
`scripts/keycloak.sh start` (dev admin admin/admin) instead."""

import base64
import hashlib
import html
import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from radcds_kit.ports import free_port

REALM = "radcds"
# The realm's one API audience (its radcds-gateway-audience client scope).
AUDIENCE = "radcds-gateway"
WEB_CLIENT = "radcds-web"
WEB_REDIRECT = "http://127.0.0.1:8080/app/callback"
# Keycloak answers a token request in milliseconds, but seconds on a busy 2-core machine.
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class KeycloakServer:
    base_url: str
    realm: str
    admin_user: str
    admin_password: str

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/realms/{self.realm}/protocol/openid-connect/token"

    def client_credentials(self, client_id: str, secret: str, scope: str | None = None) -> str:
        form = {"grant_type": "client_credentials", "client_id": client_id}
        form |= {"client_secret": secret} | ({"scope": scope} if scope else {})
        return token_response(httpx.post(self.token_url, data=form, timeout=TIMEOUT_S))

    def service_token(self, client_id: str, scope: str | None = None) -> str:
        """A token for one of the realm's dev service clients (secret `dev-only-<id>-secret`)."""
        return self.client_credentials(client_id, dev_secret(client_id), scope)

    def user_token(self, username: str, password: str, scope: str) -> str:
        """Logs in through the physician web app's authorization code flow with PKCE S256."""
        return pkce_login(self, username, password, scope)


def token_response(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def dev_secret(client_id: str) -> str:
    return f"dev-only-{client_id}-secret"


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: for asserting what an issuer put in a token."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def pkce_login(keycloak: KeycloakServer, username: str, password: str, scope: str) -> str:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    params = {
        "client_id": WEB_CLIENT,
        "response_type": "code",
        "redirect_uri": WEB_REDIRECT,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    auth_url = f"{keycloak.base_url}/realms/{keycloak.realm}/protocol/openid-connect/auth"
    with httpx.Client(timeout=TIMEOUT_S) as browser:
        login_page = browser.get(auth_url, params=params)
        action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', login_page.text)
        assert action is not None, login_page.text[:500]
        form = {"username": username, "password": password}
        # Keycloak's login cookies are Secure; browsers send them to http://127.0.0.1 (a
        # potentially trustworthy origin), Python's cookie jar does not.
        cookies = "; ".join(f"{c.name}={c.value}" for c in login_page.cookies.jar)
        redirect = browser.post(html.unescape(action[1]), data=form, headers={"Cookie": cookies})
        assert redirect.status_code == 302, redirect.text[:500]
        code = parse_qs(urlparse(redirect.headers["Location"]).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    exchange |= {"client_id": WEB_CLIENT, "redirect_uri": WEB_REDIRECT}
    return token_response(httpx.post(keycloak.token_url, data=exchange, timeout=TIMEOUT_S))


@contextmanager
def keycloak_server(script: Path, data: Path) -> Iterator[KeycloakServer]:
    """Keycloak from scripts/keycloak.sh on a free port, stopped on exit."""
    port = _start(script, data)
    try:
        yield KeycloakServer(f"http://127.0.0.1:{port}", REALM, "admin", "admin")
    finally:
        subprocess.run([str(script), "stop", "--data", str(data)], check=True)


def _start(script: Path, data: Path) -> int:
    """Tries a second port if another process took the first between our choosing it and
    Keycloak binding it."""
    attempts = 2
    for _ in range(attempts):
        port = free_port()
        started = subprocess.run([str(script), "start", "--port", str(port), "--data", str(data)])
        if started.returncode == 0:
            return port
    raise RuntimeError(f"scripts/keycloak.sh start failed {attempts} times; see {data}")
