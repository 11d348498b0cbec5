"""Where the report goes: DICOM Storage SCPs, from RADCDS_REPORT_PACS_DESTINATIONS."""

from pydantic import BaseModel, ConfigDict, Field

AE_TITLE = r"^[ -\[\]-~]*[!-\[\]-~][ -\[\]-~]*$"


class PacsDestination(BaseModel):
    """One C-STORE peer. AE titles are at most 16 characters (PS3.5 6.2, AE VR)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Printable ASCII without backslash, not all spaces.
    ae_title: str = Field(max_length=16, pattern=AE_TITLE)
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)

    @property
    def key(self) -> str:
        """How the outbox names this destination (its `destination` column)."""
        return f"{self.ae_title}@{self.host}:{self.port}"
