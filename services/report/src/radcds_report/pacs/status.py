"""What the PACS has been sent for a study: the delivery state, for people and probes."""

from dataclasses import dataclass

from radcds_report.state import ReportState


@dataclass(frozen=True)
class DeliveryStatus:
    kind: str  # "sr" or "pdf"
    sop_instance_uid: str
    destination: str  # AE@host:port
    state: str  # "pending" or "delivered"
    attempts: int
    last_error: str


def deliveries(state: ReportState, study_uid: str) -> list[DeliveryStatus]:
    """Every outbox entry of the study, oldest first; a failing one shows its last error."""
    return [
        DeliveryStatus(r.kind, r.sop_instance_uid, r.destination, r.state, r.attempts, r.last_error)
        for r in state.deliveries_of(study_uid)
    ]
