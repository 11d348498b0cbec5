"""Settings of the gateway, from RADCDS_* environment variables."""

from pathlib import Path

from radcds_kit import ports
from radcds_kit.settings import local_grpc_address

from radcds_gateway.auth.settings import AuthSettings
from radcds_gateway.cds.settings import CdsSettings
from radcds_gateway.web.settings import WebSettings


class GatewaySettings(AuthSettings, CdsSettings, WebSettings):
    """The gateway's own settings beside those of auth (Keycloak or the development issuer),
    CDS Hooks and the web pages."""

    gateway_grpc_port: int = ports.GATEWAY_GRPC
    gateway_http_port: int = ports.GATEWAY_HTTP
    # The FHIR repository: empty for SQLite under RADCDS_DATA_DIR; a PostgreSQL URL in production.
    gateway_database_url: str = ""
    risk_grpc_address: str = local_grpc_address("risk")
    report_grpc_address: str = local_grpc_address("report")

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "gateway"

    @property
    def database_url(self) -> str:
        return self.gateway_database_url or f"sqlite:///{self.state_dir / 'fhir.sqlite'}"
