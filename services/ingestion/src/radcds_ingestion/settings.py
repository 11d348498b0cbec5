"""Settings of the ingestion service, from RADCDS_* environment variables."""

from pathlib import Path

from radcds_kit import ports
from radcds_kit.settings import RadcdsSettings, local_grpc_address


class IngestionSettings(RadcdsSettings):
    ingestion_grpc_port: int = ports.INGESTION_GRPC
    ingestion_dimse_port: int = ports.INGESTION_DIMSE
    ingestion_dicomweb_port: int = ports.INGESTION_DICOMWEB
    # Below this much free disk, C-STORE answers 0xA700 (PS3.4 B.2.3).
    ingestion_min_free_bytes: int = 1024 * 1024 * 1024
    gateway_grpc_address: str = local_grpc_address("gateway")
    inference_grpc_address: str = local_grpc_address("inference")

    @property
    def storage_dir(self) -> Path:
        """Received DICOM: under RADCDS_DATA_DIR, a persistent volume in production."""
        return self.data_dir / "ingestion"
