"""The EHR side of the bench: an ES384 key, its JWK Set on an ephemeral port, and JWTs
as CDS Hooks 2.0 "Trusting CDS Clients" describes them, signed with `cryptography`."""

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from radcds_kit.testing.servers import free_port


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Es384Signer:
    issuer = "https://ehr.bench.test"
    kid = "bench-es384"

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP384R1())

    def public_jwk(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-384",
            "kid": self.kid,
            "use": "sig",
            "alg": "ES384",
            "x": b64(numbers.x.to_bytes(48, "big")),
            "y": b64(numbers.y.to_bytes(48, "big")),
        }

    def token(self, aud: str) -> str:
        now = int(time.time())
        header = {"alg": "ES384", "typ": "JWT", "kid": self.kid}
        claims = {
            "iss": self.issuer,
            "aud": aud,
            "iat": now,
            "exp": now + 500,
            "jti": str(uuid.uuid4()),
        }
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        der = self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA384()))
        r, s = utils.decode_dss_signature(der)
        return f"{signing_input}.{b64(r.to_bytes(48, 'big') + s.to_bytes(48, 'big'))}"

    def tokens(self, aud: str, count: int) -> Iterator[str]:
        """`count` signed now, ahead of the run; then one at a time if the run needs more."""
        ahead = [self.token(aud) for _ in range(count)]

        def all_tokens() -> Iterator[str]:
            yield from ahead
            while True:
                yield self.token(aud)

        return all_tokens()


def serve_jwks(signer: Es384Signer) -> tuple[str, Callable[[], None]]:
    body = json.dumps({"keys": [signer.public_jwk()]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/jwks.json", server.shutdown
