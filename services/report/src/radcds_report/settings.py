"""Settings of the report service, from RADCDS_* environment variables."""

from pydantic import Field
from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address

from radcds_report.pacs.destinations import PacsDestination


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
    # Decoded series kept for the viewer's GetKeyImage calls, in bytes of pixels and masks
    # (a 512 x 512 x 300 CT series with its mask is about 230 MiB).
    report_key_image_cache_bytes: int = Field(default=256 * 1024**2, ge=0)
    # JSON list of destinations: {"ae_title", "host", "port"} for C-STORE, or
    # {"kind": "stow-rs", "url", "token_file" or "token_env"} for DICOMweb STOW-RS;
    # empty: nothing is sent to a PACS.
    report_pacs_destinations: tuple[PacsDestination, ...] = ()
    # Our calling AE title on C-STORE associations.
    report_pacs_ae_title: str = "RADCDS_REPORT"
    # Retry after a failed delivery: the first wait, doubled per attempt up to the cap.
    report_pacs_retry_base_s: float = 2.0
    report_pacs_retry_cap_s: float = 300.0
    # How often the delivery worker looks for due work when idle.
    report_pacs_poll_s: float = 1.0
    # Seconds for association, DIMSE and network timeouts of one C-STORE.
    report_pacs_timeout_s: float = 30.0

    @property
    def database_url(self) -> str:
        if self.report_database_url:
            return self.report_database_url
        path = self.data_dir / "report"
        path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path / 'report.sqlite'}"
