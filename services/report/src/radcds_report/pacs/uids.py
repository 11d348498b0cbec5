"""Deterministic DICOM UIDs: the same report version always gets the same SOP Instance
UID, so a retried build or a restart after a crash never makes a second instance.

PS3.5 B.2: a UID may be "2.25." followed by the decimal value of a UUID; UUID version 5
(RFC 9562, SHA-1 of a name in a namespace) makes it a pure function of the name.
"""

import uuid
from dataclasses import dataclass

RADCDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://radcds.dev/dicom")


def uid_for(*parts: str) -> str:
    name = "\x1f".join(parts)
    return f"2.25.{uuid.uuid5(RADCDS_NAMESPACE, name).int}"


@dataclass(frozen=True)
class ReportVersion:
    """One version of a DiagnosticReport, the unit the PACS gets a document for."""

    report_id: str
    version: str

    @property
    def instance_number(self) -> int:
        return int(self.version) if self.version.isdigit() else 1

    def series_uid(self, kind: str) -> str:
        """One series per report and kind ("sr", "pdf"): later versions join it."""
        return uid_for("series", self.report_id, kind)

    def instance_uid(self, kind: str) -> str:
        return uid_for("instance", self.report_id, self.version, kind)
