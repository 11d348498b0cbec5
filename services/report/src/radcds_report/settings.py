"""Settings of the report service, from RADCDS_* environment variables."""

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address


class ReportSettings(RadcdsSettings):
    report_grpc_port: int = ports.REPORT_GRPC
    # Where report contents and the PACS outbox live: empty for SQLite under
    # RADCDS_DATA_DIR, or a PostgreSQL URL (postgresql+psycopg://...).
    report_database_url: str = ""
    # Seconds the risk service gets for one Assess.
    report_risk_timeout_s: float = 10.0
    gateway_grpc_address: str = local_grpc_address("gateway")
    risk_grpc_address: str = local_grpc_address("risk")
    ingestion_grpc_address: str = local_grpc_address("ingestion")

    @property
    def database_url(self) -> str:
        if self.report_database_url:
            return self.report_database_url
        path = self.data_dir / "report"
        path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path / 'report.sqlite'}"
