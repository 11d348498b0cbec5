"""Settings of the report service, from RADCDS_* environment variables."""

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address


class ReportSettings(RadcdsSettings):
    report_grpc_port: int = ports.REPORT_GRPC
    gateway_grpc_address: str = local_grpc_address("gateway")
    risk_grpc_address: str = local_grpc_address("risk")
    ingestion_grpc_address: str = local_grpc_address("ingestion")
