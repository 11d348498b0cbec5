"""The DIMSE Storage SCP: C-ECHO and C-STORE (PS3.4 Annex A and B)."""

import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, _config, evt
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

from radcds_ingestion import statuses
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.responsive_reactors import make_responsive
from radcds_ingestion.storage_classes import STORAGE_SOP_CLASSES

log = logging.getLogger(__name__)

# PS3.8 7.1.1.9, Table 9-21: rejected-transient, service-provider (presentation), congestion.
REJECT_TRANSIENT_CONGESTION = (0x02, 0x03, 0x01)


@dataclass(frozen=True)
class ScpConfig:
    ae_title: str
    host: str
    port: int
    allowed_calling_aes: list[str] = field(default_factory=list)
    max_associations: int = 10
    max_pdu: int = 262144


class StorageScp:
    """A pynetdicom Storage SCP that hands every instance to an InstanceReceiver."""

    def __init__(self, config: ScpConfig, receiver: InstanceReceiver) -> None:
        self.config = config
        self.receiver = receiver
        self._server: Any = None

    def start(self) -> None:
        # Receive each dataset straight to a file as it arrives, never whole in memory.
        _config.STORE_RECV_CHUNKED_DATASET = True
        ae = AE(ae_title=self.config.ae_title)
        ae.maximum_associations = self.config.max_associations
        ae.maximum_pdu_size = self.config.max_pdu
        ae.require_calling_aet = list(self.config.allowed_calling_aes)
        ae.add_supported_context(Verification)
        for sop_class_uid in sorted(STORAGE_SOP_CLASSES):
            ae.add_supported_context(sop_class_uid, ALL_TRANSFER_SYNTAXES)
        handlers: list[Any] = [
            (evt.EVT_CONN_OPEN, self._on_connection),
            (evt.EVT_REQUESTED, self._on_association_requested),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
        ]
        address = (self.config.host, self.config.port)
        self._server = ae.start_server(address, block=False, evt_handlers=handlers)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def _on_connection(self, event: Any) -> None:
        make_responsive(event.assoc)
        connection = event.assoc.dul.socket.socket
        if connection is not None:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _on_association_requested(self, event: Any) -> None:
        if self.receiver.spool.above_watermark():
            log.warning("association refused: spool above its disk watermark")
            event.assoc.acse.send_reject(*REJECT_TRANSIENT_CONGESTION)
            # As pynetdicom's own rejections do: lets the DUL send the A-ASSOCIATE-RJ first.
            event.assoc.kill()

    def _on_echo(self, _event: Any) -> int:
        return statuses.SUCCESS

    def _on_store(self, event: Any) -> int:
        expected = str(event.request.AffectedSOPInstanceUID or "")
        outcome = self.receiver.accept(Path(event.dataset_path), expected)
        return outcome.status
