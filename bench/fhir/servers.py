"""The two servers the FHIR bench compares, each run as its own process.

gateway: the gateway's FastAPI app with the FHIR API on SQLite (or RADCDS_GATEWAY_DATABASE_URL).
ceiling: a bare FastAPI app that serves the same JSON bytes from memory.
"""

import json
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry
from radcds_gateway.fhir.access import DevelopmentAuthPolicy
from radcds_gateway.fhir.app import open_fhir
from radcds_gateway.http import create_app


def gateway_app(database_url: str) -> FastAPI:
    return create_app(
        CollectorRegistry(), open_fhir(database_url), DevelopmentAuthPolicy(production=False)
    )


def ceiling_app(snapshot: Path) -> FastAPI:
    """Serves what the gateway served, keyed by path and query, from memory."""
    responses: dict[str, bytes] = {
        k: v.encode() for k, v in json.loads(snapshot.read_text()).items()
    }
    app = FastAPI()

    @app.get("/fhir/{resource_type}/{resource_id}")
    async def read(resource_type: str, resource_id: str) -> Response:
        return Response(
            responses[f"{resource_type}/{resource_id}"], media_type="application/fhir+json"
        )

    @app.get("/fhir/{resource_type}")
    async def search(resource_type: str, subject: str, _count: str) -> Response:
        return Response(
            responses[f"{resource_type}?subject={subject}"], media_type="application/fhir+json"
        )

    return app


def main() -> None:
    kind, port, argument = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = gateway_app(argument) if kind == "gateway" else ceiling_app(Path(argument))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
