"""Where the report goes, from RADCDS_REPORT_PACS_DESTINATIONS: DICOM Storage SCPs
(C-STORE) and DICOMweb origin servers (STOW-RS, PS3.18 10.5)."""

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

AE_TITLE = r"^[ -\[\]-~]*[!-\[\]-~][ -\[\]-~]*$"


class PacsDestination(BaseModel):
    """One peer. For C-STORE an AE title (at most 16 characters, PS3.5 6.2), host and port;
    for STOW-RS the DICOMweb base URL and optionally where its bearer token is read from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["dimse", "stow-rs"] = "dimse"
    # Printable ASCII without backslash, not all spaces.
    ae_title: str | None = Field(default=None, max_length=16, pattern=AE_TITLE)
    host: str | None = Field(default=None, min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    url: str | None = Field(default=None, pattern=r"^https?://[^\s@/]+(/[^\s?#]*)?$")
    token_file: str | None = None
    token_env: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> "PacsDestination":
        if self.kind == "dimse" and not (self.ae_title and self.host and self.port):
            raise ValueError("a C-STORE destination needs ae_title, host and port")
        if self.kind == "stow-rs" and not self.url:
            raise ValueError("a STOW-RS destination needs the DICOMweb base url")
        if self.token_file and self.token_env:
            raise ValueError("give token_file or token_env, not both")
        return self

    @property
    def key(self) -> str:
        """How the outbox names this destination (its `destination` column)."""
        if self.kind == "stow-rs":
            return f"stow-rs:{self.url}"
        return f"{self.ae_title}@{self.host}:{self.port}"

    @property
    def label(self) -> str:
        """What logs name it by: the AE title, or the DICOMweb host."""
        return self.ae_title or f"stow-rs {urlsplit(self.url or '').hostname}"

    def bearer_token(self) -> str | None:
        """Read at each send, so that a rotated token is picked up; never logged."""
        if self.token_file:
            return Path(self.token_file).read_text().strip() or None
        if self.token_env:
            return os.environ.get(self.token_env, "").strip() or None
        return None
