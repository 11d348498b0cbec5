"""The EHR of the conformance kit, from CDS Hooks 2.0: its JWK Set and JWT signer
("Trusting CDS Clients"), a FHIR endpoint that checks the bearer token, and how it calls
the gateway. Imported by this folder's tests (conftest puts the folder on sys.path)."""

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import uvicorn
from cds_data import FHIR_TOKEN, ISSUER
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from jwcrypto import jwk, jws
from prometheus_client import CollectorRegistry
from radcds_kit.testing.servers import free_port

Resource = dict[str, Any]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class JwksServer:
    """A JWK Set on an ephemeral port; `keys` may change while it runs (rotation)."""

    def __init__(self, keys: list[jwk.JWK]) -> None:
        self.keys = keys
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                body = json.dumps({"keys": [k.export_public(as_dict=True) for k in server.keys]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}/jwks.json"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass
class EhrSigner:
    """Signs the JWTs an EHR sends ("Trusting CDS Clients")."""

    keys: dict[str, jwk.JWK]
    jku: str

    def claims(self, url: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": url,
            "exp": now + 60,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "tenant": "tenant-1",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def header(self, alg: str, **changes: Any) -> dict[str, Any]:
        header = {"alg": alg, "typ": "JWT", "kid": self.keys[alg].get("kid"), "jku": self.jku}
        header.update(changes)
        return {k: v for k, v in header.items() if v is not None}

    def sign(self, header: dict[str, Any], claims: dict[str, Any], key: jwk.JWK) -> str:
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(key, None, protected=json.dumps(header))
        return str(token.serialize(compact=True))

    def token(self, url: str, alg: str = "ES384", **changes: Any) -> str:
        return self.sign(self.header(alg), self.claims(url, **changes), self.keys[alg])

    def bearer(self, aud: str, alg: str = "ES384") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(aud, alg)}"}


@dataclass
class EhrFhir:
    """A FHIR R4 read and search endpoint that checks the bearer token."""

    resources: list[Resource]
    queries: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        def refused(request: Request) -> JSONResponse | None:
            if request.headers.get("authorization") == f"Bearer {FHIR_TOKEN}":
                return None
            issue = {"severity": "error", "code": "login", "diagnostics": "bearer token needed"}
            return JSONResponse({"resourceType": "OperationOutcome", "issue": [issue]}, 401)

        @app.get("/fhir/{resource_type}/{resource_id}")
        async def read(resource_type: str, resource_id: str, request: Request) -> Any:
            self.queries.append(f"{resource_type}/{resource_id}")
            for r in self.resources:
                if (r["resourceType"], r["id"]) == (resource_type, resource_id):
                    return refused(request) or JSONResponse(r)
            return refused(request) or JSONResponse({"resourceType": "OperationOutcome"}, 404)

        @app.get("/fhir/{resource_type}")
        async def search(resource_type: str, request: Request) -> Any:
            self.queries.append(resource_type)
            subject = f"Patient/{request.query_params.get('patient')}"
            found = [
                r
                for r in self.resources
                if r["resourceType"] == resource_type
                and (r.get("subject") or {}).get("reference") == subject
            ]
            bundle = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found),
                "entry": [{"resource": r, "search": {"mode": "match"}} for r in found],
            }
            return refused(request) or JSONResponse(bundle)

        return app


@dataclass
class Gateway:
    url: str
    registry: CollectorRegistry
    signer: EhrSigner

    def call(self, path: str, body: Any = None, alg: str = "ES384", **kw: Any) -> httpx.Response:
        """GET (no body) or POST, with a fresh JWT whose aud is the URL called."""
        url = f"{self.url}{path}"
        headers = {**self.signer.bearer(url, alg), **kw.pop("headers", {})}
        if body is None:
            return httpx.get(url, headers=headers, timeout=10, **kw)
        return httpx.post(url, json=body, headers=headers, timeout=10, **kw)


StartGateway = Callable[..., Gateway]


StartGateway = Callable[..., Gateway]


def serve_on(app: FastAPI, port: int) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def serve(app: FastAPI) -> Iterator[str]:
    return serve_on(app, free_port())
