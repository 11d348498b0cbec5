"""The demo's EHR: a CDS client with a signed JWT, and a FHIR client with a system token.

CDS Hooks 2.0 "Trusting CDS Clients": the EHR signs a JWT (ES384) with its own key and
publishes the key as a JWK Set; the CDS service fetches it from the issuer's `jku`, here a
free local port.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from radcds_cli.demo.findings import Resource, finding_code

FINDINGS_SERVICE = "radcds-imaging-findings"
SYSTEM_SCOPES = ("system/*.cruds",)


class EhrClientKey:
    """The demo EHR's ES384 key, its JWK Set served on a free local port."""

    def __init__(self, host: str) -> None:
        from jwcrypto import jwk  # type: ignore[import-untyped]

        self.key = jwk.JWK.generate(
            kty="EC", crv="P-384", kid=str(uuid.uuid4()), use="sig", alg="ES384"
        )
        public = json.loads(self.key.export_public())
        document = json.dumps({"keys": [public]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, 0), Handler)
        port = self._server.server_address[1]
        self.issuer = f"http://{host}:{port}/demo-ehr"
        self.jwks_url = f"http://{host}:{port}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client_jwt(self, audience: str) -> str:
        from jwcrypto import jwt

        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "radcds-demo",
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": "ES384", "typ": "JWT", "kid": self.key.get("kid")}
        token = jwt.JWT(header=header, claims=claims)
        token.make_signed_token(self.key)
        return str(token.serialize())


def system_token(key_file: Path) -> str:
    """A system-scoped access token from the development issuer the gateway trusts."""
    from radcds_gateway.auth.development import DevelopmentIssuer, load_or_create_key

    issuer = DevelopmentIssuer(
        environment="development", audience="radcds-gateway", key=load_or_create_key(key_file)
    )
    return issuer.issue(
        subject="radcds-demo", client_id="radcds-demo", scopes=SYSTEM_SCOPES, lifetime_s=3600
    )


def _patient_id(response: Resource) -> str:
    for entry in response.get("entry", []):
        location = str((entry.get("response") or {}).get("location", ""))
        _, marker, rest = location.partition("Patient/")
        if marker and rest:
            return rest.split("/")[0]
    raise RuntimeError("the transaction response names no Patient")


class EhrClient:
    """What the EHR does over HTTP: FHIR reads and writes, and CDS Hooks calls."""

    def __init__(self, http: Any, base: str, token: str, key: EhrClientKey | None = None) -> None:
        self.http, self.base, self.token, self.key = http, base, token, key
        self.fhir = f"{base}/fhir"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def load_record(self, bundle: bytes) -> str:
        """Posts a patient's transaction Bundle; returns the stored Patient's id."""
        headers = {**self._auth, "Content-Type": "application/fhir+json"}
        response = self.http.post(self.fhir, content=bundle, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"FHIR transaction HTTP {response.status_code}")
        return _patient_id(response.json())

    def search(self, query: str) -> list[Resource]:
        response = self.http.get(f"{self.fhir}/{query}", headers=self._auth)
        response.raise_for_status()
        return [e["resource"] for e in response.json().get("entry", []) if "resource" in e]

    def imaging_reports(self, patient_id: str) -> list[Resource]:
        """radcds's reports on the patient's imaging, not the record's laboratory reports."""
        query = f"DiagnosticReport?subject=Patient/{patient_id}&category=RAD"
        return [r for r in self.search(query) if r.get("imagingStudy")]

    def report_findings(self, reports: list[Resource]) -> list[Resource]:
        """The AI finding Observations each report results from."""
        found = []
        for report in reports:
            for result in report.get("result", []):
                reference = str(result.get("reference", ""))
                response = self.http.get(f"{self.fhir}/{reference}", headers=self._auth)
                if response.status_code == 200 and finding_code(response.json()):
                    found.append(response.json())
        return found

    def key_images(self, report: Resource) -> list[Resource]:
        """The Media a report links (DiagnosticReport.media.link): its key images."""
        images = []
        for media in report.get("media", []):
            reference = str(media.get("link", {}).get("reference", ""))
            response = self.http.get(f"{self.fhir}/{reference}", headers=self._auth)
            if reference.startswith("Media/") and response.status_code == 200:
                images.append(response.json())
        return images

    def patient_view(self, patient_id: str) -> list[Resource]:
        """Calls the findings service's patient-view hook, signed; returns its cards."""
        if self.key is None:
            raise RuntimeError("a CDS Hooks call needs the EHR's signing key")
        url = f"{self.base}/cds-services/{FINDINGS_SERVICE}"
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/radcds-demo", "patientId": patient_id},
            "fhirServer": self.fhir,
            "fhirAuthorization": {
                "access_token": self.token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": " ".join(SYSTEM_SCOPES),
                "subject": "radcds-demo",
            },
            "prefetch": self.prefetch(patient_id),
        }
        signed = {"Authorization": f"Bearer {self.key.client_jwt(url)}"}
        response = self.http.post(url, json=body, headers=signed)
        if response.status_code != 200:
            raise RuntimeError(f"patient-view HTTP {response.status_code}")
        cards: list[Resource] = response.json().get("cards", [])
        return cards

    def prefetch(self, patient_id: str) -> dict[str, Resource]:
        """What an EHR sends with the hook: the record the service's prefetch templates name."""
        queries = {
            "patient": f"Patient/{patient_id}",
            "conditions": f"Condition?patient={patient_id}",
            "medications": f"MedicationRequest?patient={patient_id}&status=active",
            "observations": f"Observation?patient={patient_id}&_sort=-date&_count=500",
        }
        found = {}
        for key, query in queries.items():
            response = self.http.get(f"{self.fhir}/{query}", headers=self._auth)
            response.raise_for_status()
            found[key] = response.json()
        return found
