"""The two servers bench/cds compares, each run as its own process by run.py:

- `cds`: the gateway's CDS Hooks (mount_cds) with its real collaborators: JWT checks against
  a JWKS, Redis for jti replay and the card ledger, radcds's FHIR repository (SQLite) with
  the AI findings, and the risk service over gRPC;
- `bare`: a bare FastAPI endpoint returning one fixed card, the ceiling on this machine.

    python bench/cds/servers.py cds|bare PORT   (configuration from RADCDS_* variables)
"""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).parent))
from scenario import FIXED_CARD, ai_findings


def cds_app() -> FastAPI:
    from prometheus_client import CollectorRegistry
    from radcds_gateway.cds import CdsSettings, mount_cds, open_cds
    from radcds_gateway.cds.findings import RepositoryFindingsReader
    from radcds_gateway.fhir.app import open_fhir

    store = open_fhir(os.environ["BENCH_DATABASE_URL"])
    for resource in ai_findings(datetime.now(UTC)):
        store.repository.update(resource, resource["id"])
    components = open_cds(
        CdsSettings(),
        risk_grpc_address=os.environ["RADCDS_RISK_GRPC_ADDRESS"],
        findings=RepositoryFindingsReader(store.repository),
        database=store.database.writer,
        registry=CollectorRegistry(),
    )
    app = FastAPI()
    mount_cds(app, components)
    return app


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/cds-services/{service_id}")
    async def fixed_card(service_id: str) -> dict[str, object]:
        return {"cards": [FIXED_CARD]}

    return app


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    app = cds_app() if kind == "cds" else bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
