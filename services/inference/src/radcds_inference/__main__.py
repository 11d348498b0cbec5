"""`python -m radcds_inference` runs the inference service."""

import asyncio

from radcds_inference.server import build_runtime
from radcds_inference.settings import InferenceSettings


async def serve(settings: InferenceSettings) -> None:
    # Built inside the running loop: grpc.aio channels bind to the loop they are made in.
    runtime = build_runtime(settings)
    await runtime.run(settings.inference_grpc_port)


def main() -> None:
    asyncio.run(serve(InferenceSettings()))


if __name__ == "__main__":
    main()
