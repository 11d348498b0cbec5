"""`python -m radcds_inference` runs the inference service."""

import asyncio

from radcds_inference.server import build_runtime
from radcds_inference.settings import InferenceSettings


def main() -> None:
    settings = InferenceSettings()
    runtime = build_runtime(settings)
    asyncio.run(runtime.run(settings.inference_grpc_port))


if __name__ == "__main__":
    main()
