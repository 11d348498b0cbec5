"""The demo's PACS: sends each study to ingestion by C-STORE (pynetdicom)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from radcds_cli.demo.cohort import DemoPatient


def send_study(
    host: str, port: int, patient: DemoPatient, on_instance: Callable[[], object]
) -> None:
    """One association per study; raises unless every instance gets a success status."""
    from pydicom import dcmread
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

    files = patient.instances
    ae = AE(ae_title="RADCDS_DEMO")
    syntax = dcmread(files[0], stop_before_pixels=True)
    ae.add_requested_context(CTImageStorage, syntax.file_meta.TransferSyntaxUID)
    assoc = ae.associate(host, port, ae_title="RADCDS")
    if not assoc.is_established:
        raise RuntimeError(f"ingestion refused the association on port {port}")
    transport = assoc.dul.socket
    if transport is not None and transport.socket is not None:
        # recipes.md: without TCP_NODELAY each C-STORE waits on Nagle's algorithm.
        transport.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for path in files:
            status = assoc.send_c_store(dcmread(path))
            if getattr(status, "Status", None) != 0x0000:
                raise RuntimeError(f"{patient.label}: C-STORE failed ({status})")
            on_instance()
        patient.last_image_at = time.monotonic()
    finally:
        assoc.release()
