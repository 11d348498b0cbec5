"""One C-STORE of one stored instance to one destination (PS3.4 Annex B, PS3.7 9.1.1)."""

import socket
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.association import Association

from radcds_report.pacs.destinations import PacsDestination
from radcds_report.pacs.pdf import from_part10

# PS3.4 B.2.3: 0x0000 success; 0xB000, 0xB006 and 0xB007 are warnings with the instance
# stored (coercion, elements discarded, data set does not match the SOP class).
STORED_STATUSES = frozenset({0x0000, 0xB000, 0xB006, 0xB007})


class DeliveryFailed(Exception):
    """The instance was not stored; the message names why, without any PHI."""


@dataclass(frozen=True)
class StoreScu:
    """A Storage SCU that sends each instance in the transfer syntax it is stored in."""

    ae_title: str
    timeout_s: float

    def _ae(self, dataset: Dataset) -> AE:
        ae = AE(ae_title=self.ae_title)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout_s
        ae.connection_timeout = self.timeout_s
        ae.add_requested_context(dataset.SOPClassUID, dataset.file_meta.TransferSyntaxUID)
        return ae

    def store(self, destination: PacsDestination, part10: bytes) -> int:
        """Sends one instance; returns the stored status, or raises DeliveryFailed."""
        dataset = from_part10(part10)
        host, port, called = destination.host, destination.port, destination.ae_title
        if host is None or port is None or called is None:
            raise DeliveryFailed("not a C-STORE destination")
        assoc = self._ae(dataset).associate(host, port, ae_title=called)
        if not assoc.is_established:
            raise DeliveryFailed("association not established (rejected, aborted or no answer)")
        try:
            _no_delay(assoc)
            status = assoc.send_c_store(dataset)
        finally:
            assoc.release()
        code = int(status.Status) if "Status" in status else None
        if code is None:
            raise DeliveryFailed("no C-STORE response (timeout or abort)")
        if code not in STORED_STATUSES:
            raise DeliveryFailed(f"C-STORE status 0x{code:04X}")
        return code


def _no_delay(assoc: Association) -> None:
    """Without TCP_NODELAY each small PDU waits on Nagle's algorithm and delayed ACKs."""
    transport = assoc.dul.socket
    if transport is not None and transport.socket is not None:
        transport.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
