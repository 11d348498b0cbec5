"""Helpers for the auth tests: a Keycloak client that logs in the way real clients do, a
tiny FHIR-like app guarded by the auth module, and uvicorn on an ephemeral port."""

import base64
import hashlib
import html
import json
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import uvicorn
from fastapi import FastAPI
from radcds_gateway.auth import (
    CurrentToken,
    ScopeDenied,
    require_patient_access,
    require_scope,
)

REALM = "radcds"
AUDIENCE = "radcds-gateway"
WEB_CLIENT = "radcds-web"
WEB_REDIRECT = "http://127.0.0.1:8080/app/callback"


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
        return token_response(httpx.post(self.token_url, data=form))

    def user_token(self, username: str, password: str, scope: str) -> str:
        """Logs in through the physician web app's authorization code flow with PKCE S256."""
        return pkce_login(self, username, password, scope)


def token_response(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def dev_secret(client_id: str) -> str:
    return f"dev-only-{client_id}-secret"


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
    with httpx.Client() as browser:
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
    return token_response(httpx.post(keycloak.token_url, data=exchange))


class UvicornThread:
    """An ASGI app served by uvicorn on an ephemeral port, in a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, args=([self.socket],))

    @property
    def base_url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.02)
        return self.base_url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


RESOURCES: dict[tuple[str, str], dict[str, Any]] = {
    ("Patient", "demo-patient-1"): {"resourceType": "Patient", "id": "demo-patient-1"},
    ("Patient", "demo-patient-2"): {"resourceType": "Patient", "id": "demo-patient-2"},
    ("Observation", "obs-1"): {
        "resourceType": "Observation",
        "id": "obs-1",
        "subject": {"reference": "Patient/demo-patient-1"},
    },
    ("Observation", "obs-2"): {
        "resourceType": "Observation",
        "id": "obs-2",
        "subject": {"reference": "Patient/demo-patient-2"},
    },
}


def patients_of(resource: dict[str, Any]) -> set[str]:
    if resource["resourceType"] == "Patient":
        return {resource["id"]}
    return {resource["subject"]["reference"].removeprefix("Patient/")}


def guarded_app() -> FastAPI:
    app = FastAPI()

    @app.get("/fhir/{resource_type}/{resource_id}")
    async def read(resource_type: str, resource_id: str, token: CurrentToken) -> dict[str, Any]:
        resource = RESOURCES[(resource_type, resource_id)]
        require_patient_access(token, resource_type, "read", patients_of(resource))
        return resource

    @app.get("/fhir/{resource_type}")
    async def search(resource_type: str, patient: str, token: CurrentToken) -> dict[str, Any]:
        confined_to = require_scope(token, resource_type, "search")
        if confined_to is not None and patient != confined_to:
            raise ScopeDenied("the search reaches outside the token's patient")
        found = [r for (t, _), r in RESOURCES.items() if t == resource_type]
        entries = [{"resource": r} for r in found if patient in patients_of(r)]
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    @app.post("/fhir/{resource_type}", status_code=201)
    async def create(resource_type: str, token: CurrentToken) -> dict[str, str]:
        require_scope(token, resource_type, "create")
        return {"resourceType": resource_type}

    @app.get("/whoami")
    async def whoami(token: CurrentToken) -> dict[str, Any]:
        return {
            "client_id": token.client_id,
            "subject": token.subject,
            "patient": token.patient,
            "is_service": token.is_service,
            "fhir_user": token.fhir_user,
        }

    return app


def get(gateway: str, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(gateway + path, headers=headers)


def post(gateway: str, path: str, token: str) -> httpx.Response:
    return httpx.post(gateway + path, headers={"Authorization": f"Bearer {token}"}, json={})


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def service_token(keycloak: KeycloakServer, client_id: str, scope: str | None = None) -> str:
    return keycloak.client_credentials(client_id, dev_secret(client_id), scope)
