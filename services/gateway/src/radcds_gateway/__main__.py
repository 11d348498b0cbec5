"""`python -m radcds_gateway` runs the gateway service."""

import asyncio

from radcds_gateway.server import build_runtime
from radcds_gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    runtime = build_runtime(settings)
    asyncio.run(runtime.run(settings.gateway_grpc_port))


if __name__ == "__main__":
    main()
