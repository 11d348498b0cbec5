"""`python -m radcds_risk` runs the risk service."""

import asyncio

from radcds_risk.server import build_runtime
from radcds_risk.settings import RiskSettings


def main() -> None:
    settings = RiskSettings()
    runtime = build_runtime(settings)
    asyncio.run(runtime.run(settings.risk_grpc_port))


if __name__ == "__main__":
    main()
