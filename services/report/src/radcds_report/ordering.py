"""Which of two result sets for a study is the newer one.

A study can get several inference jobs (partial content after an ingestion crash, then the
full study; a late instance; new model versions), and each job's hand-over is retried until
Compose accepts it, so the order Compose calls arrive in says nothing. The order comes from
data: first the ImagingStudy version the job was submitted for (ingestion writes a new
version whenever the study's content changes), then, for the same content, the latest
`issued` of the result set's Observations (when inference stored the findings).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Resource = dict[str, Any]


@dataclass(frozen=True)
class ResultSetOrder:
    study_version: int | None
    issued: datetime | None

    def older_than(self, other: "ResultSetOrder") -> bool:
        """True only when the data shows it; a result set that cannot be placed is not older."""
        mine, theirs = self.study_version, other.study_version
        if mine is not None and theirs is not None and mine != theirs:
            return mine < theirs
        if self.issued is not None and other.issued is not None:
            return self.issued < other.issued
        return False


def study_version(version_id: str) -> int | None:
    """A FHIR versionId as a number (the FHIR store counts versions 1, 2, 3...); anything
    else, or a number too long to be one, places nothing."""
    plain = version_id.isascii() and version_id.isdigit() and len(version_id) <= 18
    return int(version_id) if plain else None


def parse_instant(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def latest_issued(findings: list[Resource]) -> datetime | None:
    instants = [parse_instant(str(f["issued"])) for f in findings if f.get("issued")]
    known = [i for i in instants if i is not None]
    return max(known) if known else None


def order_of(version_id: str, findings: list[Resource]) -> ResultSetOrder:
    return ResultSetOrder(study_version(version_id), latest_issued(findings))
