"""`python -m radcds_report` runs the report service."""

import asyncio

from radcds_report.server import build_runtime
from radcds_report.settings import ReportSettings


async def serve(settings: ReportSettings) -> None:
    # Built inside the running loop: grpc.aio channels bind to the loop they are made in.
    runtime = build_runtime(settings)
    await runtime.run(settings.report_grpc_port)


def main() -> None:
    asyncio.run(serve(ReportSettings()))


if __name__ == "__main__":
    main()
