"""What `radcds up` runs: the five services and where each listens.

Ports come from the same RADCDS_* variables the services read, so one
environment describes the whole suite; each service is told its peers'
addresses from it.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from radcds_kit import ports

SERVICES = ("gateway", "risk", "report", "inference", "ingestion")


class SuiteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RADCDS_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    data_dir: Path = Path("var")
    redis_url: str = ""
    gateway_grpc_port: int = ports.GATEWAY_GRPC
    gateway_http_port: int = ports.GATEWAY_HTTP
    ingestion_grpc_port: int = ports.INGESTION_GRPC
    ingestion_dimse_port: int = ports.INGESTION_DIMSE
    ingestion_dicomweb_port: int = ports.INGESTION_DICOMWEB
    inference_grpc_port: int = ports.INFERENCE_GRPC
    risk_grpc_port: int = ports.RISK_GRPC
    report_grpc_port: int = ports.REPORT_GRPC

    def grpc_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_grpc_port"))

    def grpc_address(self, service: str) -> str:
        return f"{self.host}:{self.grpc_port(service)}"

    def environment(self, redis_url: str) -> dict[str, str]:
        """The variables every service process gets: its port, its peers, its data."""
        env = {
            "RADCDS_DATA_DIR": str(self.data_dir.resolve()),
            "RADCDS_REDIS_URL": redis_url,
            "RADCDS_GATEWAY_HTTP_PORT": str(self.gateway_http_port),
            "RADCDS_INGESTION_DIMSE_PORT": str(self.ingestion_dimse_port),
            "RADCDS_INGESTION_DICOMWEB_PORT": str(self.ingestion_dicomweb_port),
        }
        for service in SERVICES:
            env[f"RADCDS_{service.upper()}_GRPC_PORT"] = str(self.grpc_port(service))
            env[f"RADCDS_{service.upper()}_GRPC_ADDRESS"] = self.grpc_address(service)
        return env

    def endpoints(self, service: str) -> list[str]:
        """What a person connects to, beside the gRPC API."""
        host = self.host
        return {
            "gateway": [
                f"FHIR http://{host}:{self.gateway_http_port}/fhir",
                f"metrics http://{host}:{self.gateway_http_port}/metrics",
            ],
            "ingestion": [
                f"DICOM {host}:{self.ingestion_dimse_port}",
                f"DICOMweb http://{host}:{self.ingestion_dicomweb_port}/dicomweb",
            ],
        }.get(service, [])
