"""`python -m radcds_risk` runs the risk service."""

import asyncio

from radcds_risk.server import build_runtime
from radcds_risk.settings import RiskSettings


async def serve(settings: RiskSettings) -> None:
    # Built inside the running loop: grpc.aio channels bind to the loop they are made in.
    runtime = build_runtime(settings)
    await runtime.run(settings.risk_grpc_port)


def main() -> None:
    asyncio.run(serve(RiskSettings()))


if __name__ == "__main__":
    main()
