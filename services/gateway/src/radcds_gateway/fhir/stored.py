"""A resource version as stored: its JSON bytes with the facts read alongside."""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime


@dataclass(frozen=True)
class StoredResource:
    resource_type: str
    resource_id: str
    version_id: int
    last_updated: str
    deleted: bool
    body: bytes

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"

    @property
    def last_modified(self) -> str:
        """last_updated as an HTTP date (RFC 9110)."""
        return format_datetime(
            datetime.fromisoformat(self.last_updated).replace(tzinfo=UTC), usegmt=True
        )

    @property
    def instant(self) -> str:
        """last_updated as a FHIR instant."""
        return self.last_updated[:23] + "Z"


def parse_etag(value: str) -> int | None:
    """The version in an If-Match header: W/"3", "3" or 3."""
    text = value.strip().removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else None
