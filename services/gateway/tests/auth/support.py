"""Helpers for the auth tests: a tiny FHIR-like app guarded by the auth module, uvicorn on an
ephemeral port, and the Keycloak client of the radcds pytest plugin (radcds_kit.testing)."""

import socket
import threading
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from radcds_gateway.auth import (
    CurrentToken,
    ScopeDenied,
    require_patient_access,
    require_scope,
)
from radcds_kit.testing.keycloak import (
    AUDIENCE,
    REALM,
    KeycloakServer,
    claims_of,
    dev_secret,
    token_response,
)

__all__ = ["AUDIENCE", "REALM", "KeycloakServer", "claims_of", "dev_secret", "token_response"]


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


def service_token(keycloak: KeycloakServer, client_id: str, scope: str | None = None) -> str:
    return keycloak.service_token(client_id, scope)
