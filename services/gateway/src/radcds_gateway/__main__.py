"""`python -m radcds_gateway` runs the gateway service."""

import asyncio

from radcds_gateway.server import build_runtime
from radcds_gateway.settings import GatewaySettings


async def serve(settings: GatewaySettings) -> None:
    # Built inside the running loop: grpc.aio channels bind to the loop they are made in.
    runtime = build_runtime(settings)
    await runtime.run(settings.gateway_grpc_port)


def main() -> None:
    asyncio.run(serve(GatewaySettings()))


if __name__ == "__main__":
    main()
