"""Settings of the ingestion service, from RADCDS_* environment variables."""

from pathlib import Path

from radcds_kit import ports
from radcds_kit.oidc.settings import OidcSettings
from radcds_kit.settings import local_grpc_address


class IngestionSettings(OidcSettings):
    """Ingestion's own settings beside the token issuer DICOMweb trusts (RADCDS_KEYCLOAK_*,
    RADCDS_GATEWAY_AUDIENCE, RADCDS_DEV_ISSUER_KEY_FILE: the gateway's, radcds_kit.oidc)."""

    ingestion_grpc_port: int = ports.INGESTION_GRPC
    ingestion_dimse_port: int = ports.INGESTION_DIMSE
    ingestion_dicomweb_port: int = ports.INGESTION_DICOMWEB
    # Below this much free disk, C-STORE answers 0xA700 (PS3.4 B.2.3) and associations
    # are refused; so too above this fraction of the disk used.
    ingestion_min_free_bytes: int = 1024 * 1024 * 1024
    ingestion_disk_watermark: float = 0.95
    ingestion_ae_title: str = "RADCDS"
    # Empty: any calling AE title is accepted. JSON list in the environment.
    ingestion_allowed_calling_aes: tuple[str, ...] = ()
    ingestion_max_associations: int = 10
    # Largest P-DATA-TF PDU we receive, in bytes (PS3.8 D.1); 0 is unlimited. Each PDU is
    # read whole into memory; 256 KiB cost 7.5 ms of CPU per 512x512 CT instance against
    # 9 ms at 64 KiB and 12 ms at 16 KiB (storescu, 2-core Debian 12 machine, 2026-11).
    ingestion_max_pdu: int = 262144
    ingestion_max_instance_bytes: int = 2 * 1024**3
    # Seconds without a new instance before a study counts as stable.
    ingestion_stable_age_s: float = 60.0
    ingestion_stability_poll_s: float = 1.0
    # SQLAlchemy URL of the instance index; empty: SQLite beside the spool.
    # PostgreSQL: postgresql+psycopg://user@host/db (extra "postgres").
    ingestion_index_url: str = ""
    # How clients reach this service's DICOMweb; written into the ImagingStudy's Endpoint.
    ingestion_dicomweb_public_url: str = f"http://127.0.0.1:{ports.INGESTION_DICOMWEB}/dicomweb"
    # FHIR identifier system of the PatientID (MRN) this site's modalities send. A site sets
    # its own; the default is the system radcds-synth writes (radcds_synth.identity), so the
    # synthetic studies and their FHIR records meet on one Patient.
    mrn_system: str = "urn:oid:2.25.267395113455212963651486447325394826315"
    gateway_grpc_address: str = local_grpc_address("gateway")
    inference_grpc_address: str = local_grpc_address("inference")

    @property
    def storage_dir(self) -> Path:
        """Received DICOM: under RADCDS_DATA_DIR, a persistent volume in production."""
        return self.data_dir / "ingestion"

    @property
    def index_database_url(self) -> str:
        return self.ingestion_index_url or f"sqlite:///{self.storage_dir / 'index.sqlite3'}"
