"""One send of one instance to one destination, by the destination's kind."""

from dataclasses import dataclass

from radcds_report.pacs.cstore import StoreScu
from radcds_report.pacs.destinations import PacsDestination
from radcds_report.pacs.stow import StowClient


@dataclass(frozen=True)
class Senders:
    dimse: StoreScu
    stow: StowClient

    def store(self, destination: PacsDestination, part10: bytes) -> str:
        """The destination's status for the stored instance, or raises DeliveryFailed."""
        if destination.kind == "stow-rs":
            return self.stow.store(destination, part10)
        return f"DIMSE 0x{self.dimse.store(destination, part10):04X}"
