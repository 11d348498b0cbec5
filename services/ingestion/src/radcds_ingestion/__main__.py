"""`python -m radcds_ingestion` runs the ingestion service."""

import asyncio

from radcds_ingestion.server import build_runtime
from radcds_ingestion.settings import IngestionSettings


def main() -> None:
    settings = IngestionSettings()
    runtime = build_runtime(settings)
    asyncio.run(runtime.run(settings.ingestion_grpc_port))


if __name__ == "__main__":
    main()
