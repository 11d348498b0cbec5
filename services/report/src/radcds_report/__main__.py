"""`python -m radcds_report` runs the report service."""

import asyncio

from radcds_report.server import build_runtime
from radcds_report.settings import ReportSettings


def main() -> None:
    settings = ReportSettings()
    runtime = build_runtime(settings)
    asyncio.run(runtime.run(settings.report_grpc_port))


if __name__ == "__main__":
    main()
