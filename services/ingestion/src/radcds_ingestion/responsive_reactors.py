"""pynetdicom's two reactors, made to notice a PDU or a message without waiting out a sleep.

pynetdicom polls: the DUL reactor sleeps ``_run_loop_delay`` (1 ms) after each pass that
found nothing, and the association reactor asks the DIMSE queue for a message without
blocking, once a millisecond. One association waits on these polls three times per
C-STORE (the request read, the message handed to the handler, the response sent), so they
set the pace of a whole study. Here the DUL polls quickly for a while after the last PDU
and at pynetdicom's own rate once the peer is idle; the association reactor blocks on the
queue, so a message wakes it at once. A quiet association costs no more CPU than before.
"""

import queue
import time
from typing import Any

from pynetdicom.dimse import DIMSEServiceProvider
from pynetdicom.dul import DULServiceProvider

# The DUL's delay while PDUs are flowing, and for how long after the last one.
BUSY_POLL_S = 0.0001
BUSY_WINDOW_S = 0.1
# pynetdicom's own delay (DULServiceProvider.__init__), kept for a quiet association.
IDLE_POLL_S = 0.001
# How long the association reactor waits on its queue before its release and abort checks:
# a peer's A-RELEASE or A-ABORT is answered at most this much later.
MESSAGE_WAIT_S = 0.01


class ResponsiveDUL(DULServiceProvider):
    """A DULServiceProvider whose idle delay follows the association's activity."""

    _last_pdu_at = 0.0

    @property
    def _run_loop_delay(self) -> float:
        busy = time.monotonic() - self._last_pdu_at < BUSY_WINDOW_S
        return BUSY_POLL_S if busy else IDLE_POLL_S

    @_run_loop_delay.setter
    def _run_loop_delay(self, _value: float) -> None:
        """pynetdicom's constructor sets a fixed delay; the property above replaces it."""

    def _is_transport_event(self) -> bool:
        if super()._is_transport_event():
            self._last_pdu_at = time.monotonic()
            return True
        return False


class ResponsiveDIMSE(DIMSEServiceProvider):
    """A DIMSEServiceProvider whose non-blocking get (only the association reactor's)
    waits briefly on the queue, waking as soon as a message is put there."""

    def get_msg(self, block: bool = False) -> Any:
        if block:
            return super().get_msg(block=True)
        try:
            return self.msg_queue.get(timeout=MESSAGE_WAIT_S)
        except queue.Empty:
            return None, None


def make_responsive(assoc: Any) -> None:
    """Switch an acceptor association's providers, before its reactors start."""
    assoc.dul.__class__ = ResponsiveDUL
    assoc.dimse.__class__ = ResponsiveDIMSE
