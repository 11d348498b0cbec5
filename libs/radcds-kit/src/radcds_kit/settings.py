"""The settings base every service extends.

Every setting comes from the environment (prefix ``RADCDS_``), read once at
start-up into an immutable object that is passed to whoever needs it.
"""

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from radcds_kit import ports


class RadcdsSettings(BaseSettings):
    """Settings shared by all services. Subclasses add their own fields."""

    model_config = SettingsConfigDict(env_prefix="RADCDS_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Where the services listen. Loopback by default; a container sets 0.0.0.0.
    bind_host: str = "127.0.0.1"
    data_dir: Path = Path("var")
    # Seconds between dependency checks that drive grpc.health.v1.
    health_interval_s: float = 2.0
    # Seconds a stopping server waits for in-flight RPCs.
    shutdown_grace_s: float = 5.0

    @property
    def production(self) -> bool:
        return self.environment == "production"


def local_grpc_address(service: str) -> str:
    """The default address of a service's gRPC API on this machine."""
    return f"127.0.0.1:{ports.SERVICE_GRPC[service]}"
