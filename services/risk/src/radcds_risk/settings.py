"""Settings of the risk service, from RADCDS_* environment variables."""

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings


class RiskSettings(RadcdsSettings):
    risk_grpc_port: int = ports.RISK_GRPC
