"""What `radcds up` runs: the five services and where each listens.

Ports come from the same RADCDS_* variables the services read, so one
environment describes the whole suite; each service is told its peers'
addresses from it.
"""

import sys
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from radcds_kit import ports

SERVICES = ("gateway", "risk", "report", "inference", "ingestion")
# The repository root: `radcds up` runs from a checkout, with scripts/ and models/.
REPOSITORY = Path(__file__).resolve().parents[2]


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
    triton_http_port: int = ports.TRITON_HTTP
    triton_grpc_port: int = ports.TRITON_GRPC
    triton_metrics_port: int = ports.TRITON_METRICS

    @property
    def log_dir(self) -> Path:
        """One log file per process: Triton's and each service's output."""
        return self.data_dir.resolve() / "log"

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
            "RADCDS_TRITON_GRPC_ADDRESS": f"{self.host}:{self.triton_grpc_port}",
        }
        for service in SERVICES:
            env[f"RADCDS_{service.upper()}_GRPC_PORT"] = str(self.grpc_port(service))
            env[f"RADCDS_{service.upper()}_GRPC_ADDRESS"] = self.grpc_address(service)
        return env

    @classmethod
    def port_variables(cls) -> tuple[str, ...]:
        """Every RADCDS_*_PORT the suite listens on: what a test sets to free ports."""
        names = [name for name in cls.model_fields if name.endswith("_port")]
        return tuple(f"RADCDS_{name.upper()}" for name in names)

    def endpoints(self, service: str) -> list[str]:
        """What a person connects to, beside the gRPC API."""
        host = self.host
        return {
            "gateway": [
                f"FHIR http://{host}:{self.gateway_http_port}/fhir",
                f"metrics http://{host}:{self.gateway_http_port}/metrics",
            ],
            "inference": [
                f"Triton gRPC {host}:{self.triton_grpc_port} (demo models: synthetic data, "
                "not for clinical use)",
            ],
            "ingestion": [
                f"DICOM {host}:{self.ingestion_dimse_port}",
                f"DICOMweb http://{host}:{self.ingestion_dicomweb_port}/dicomweb",
            ],
        }.get(service, [])

    def triton_command(self) -> list[str]:
        """tritonserver on the CPU with models/ (scripts/triton.sh; `install` ran first)."""
        return [
            str(REPOSITORY / "scripts" / "triton.sh"), "run",
            "--http-port", str(self.triton_http_port),
            "--grpc-port", str(self.triton_grpc_port),
            "--metrics-port", str(self.triton_metrics_port),
        ]  # fmt: skip

    def commands(self, redis_url: str) -> dict[str, tuple[list[str], dict[str, str]]]:
        """What the supervisor runs: Triton, and each service as `python -m radcds_<service>`."""
        env = self.environment(redis_url)
        services = {s: ([sys.executable, "-m", f"radcds_{s}"], env) for s in SERVICES}
        return {"triton": (self.triton_command(), {}), **services}
