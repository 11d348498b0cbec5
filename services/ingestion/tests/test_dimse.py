"""The Storage SCP against real peers: dcmtk's storescu/echoscu and a pynetdicom SCU."""

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pynetdicom import AE, ALL_TRANSFER_SYNTAXES
from pynetdicom.association import Association
from radcds_ingestion.dimse import ScpConfig, StorageScp
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.spool import InstanceSpool

pytestmark = pytest.mark.integration

DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}
COMPRESSED_TEST_FILES = [
    "JPEG2000.dcm",
    "MR_small_RLE.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "MR_small_jp2klossless.dcm",
    "CT_small.dcm",
]


def dcmtk(tool: str, scp: StorageScp, *args: str, calling: str = "STORESCU") -> int:
    command = [f"/usr/bin/{tool}", "-aet", calling, "-aec", "RADCDS", "127.0.0.1", str(scp.port)]
    return subprocess.run([*command, *args], env=DCMTK_ENV, capture_output=True).returncode


def dataset_bytes(path: Path) -> bytes:
    """The bytes after the File Meta Information group."""
    raw = path.read_bytes()
    meta_length = int.from_bytes(raw[140:144], "little")
    return raw[144 + meta_length :]


@pytest.fixture
def association(scp: StorageScp) -> Iterator[Association]:
    ae = AE(ae_title="PYSCU")
    for uid in ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.1.1"):
        ae.add_requested_context(uid, ALL_TRANSFER_SYNTAXES[:4])
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.7", ALL_TRANSFER_SYNTAXES[:4])
    for file_name in COMPRESSED_TEST_FILES:
        ds = dcmread(get_testdata_file(file_name), stop_before_pixels=True)
        ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
    assoc = ae.associate("127.0.0.1", scp.port, ae_title="RADCDS")
    assert assoc.is_established
    assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    yield assoc
    assoc.release()


def test_echoscu_gets_success(scp: StorageScp) -> None:
    assert dcmtk("echoscu", scp) == 0


def test_storescu_series_is_stored_as_received(
    scp: StorageScp, spool: InstanceSpool, index: InstanceIndex, write_ct_series
) -> None:
    paths = write_ct_series(20)

    assert dcmtk("storescu", scp, "-xe", *map(str, paths)) == 0

    assert index.instance_count() == 20
    for path in paths:
        ds = dcmread(path, stop_before_pixels=True)
        stored = spool.path_for(ds.StudyInstanceUID, ds.SOPInstanceUID)
        assert dataset_bytes(stored) == dataset_bytes(path)
        assert (
            subprocess.run(["/usr/bin/dcmftest", str(stored)], capture_output=True).returncode == 0
        )


def test_compressed_transfer_syntaxes_are_kept(
    association: Association, spool: InstanceSpool
) -> None:
    for file_name in COMPRESSED_TEST_FILES:
        source = Path(get_testdata_file(file_name))
        ds = dcmread(source)

        assert association.send_c_store(ds).Status == 0x0000

        stored = dcmread(spool.path_for(ds.StudyInstanceUID, ds.SOPInstanceUID))
        assert stored.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
        assert stored.PixelData == ds.PixelData


def test_unknown_calling_ae_is_rejected(
    scp: StorageScp, index: InstanceIndex, write_ct_series
) -> None:
    paths = write_ct_series(2)

    assert dcmtk("storescu", scp, *map(str, paths), calling="INTRUDER") != 0

    ae = AE(ae_title="INTRUDER")
    ae.add_requested_context("1.2.840.10008.1.1")
    assoc = ae.associate("127.0.0.1", scp.port, ae_title="RADCDS")
    assert assoc.is_rejected
    assert index.instance_count() == 0


def test_above_watermark_refuses_stores_and_associations(
    scp: StorageScp, association: Association, spool: InstanceSpool, index: InstanceIndex
) -> None:
    first, second = (
        dcmread(get_testdata_file(name)) for name in ("CT_small.dcm", "MR_small_RLE.dcm")
    )
    assert association.send_c_store(first).Status == 0x0000

    spool.disk_watermark = 0.0

    # PS3.4 B.2.3: 0xA700 Refused: Out of Resources.
    assert association.send_c_store(second).Status == 0xA700
    ae = AE(ae_title="PYSCU")
    ae.add_requested_context("1.2.840.10008.1.1")
    assert ae.associate("127.0.0.1", scp.port, ae_title="RADCDS").is_rejected
    assert index.instance_count() == 1
    assert spool.path_for(first.StudyInstanceUID, first.SOPInstanceUID).exists()


def test_associations_beyond_the_maximum_are_rejected(receiver) -> None:
    config = ScpConfig(ae_title="RADCDS", host="127.0.0.1", port=0, max_associations=1)
    scp = StorageScp(config, receiver)
    scp.start()
    try:
        ae = AE(ae_title="PYSCU")
        ae.add_requested_context("1.2.840.10008.1.1")
        first = ae.associate("127.0.0.1", scp.port, ae_title="RADCDS")
        assert first.is_established
        # PS3.8 9.3.4: rejected-transient, service-provider (presentation), local limit exceeded.
        assert ae.associate("127.0.0.1", scp.port, ae_title="RADCDS").is_rejected
        first.release()
    finally:
        scp.stop()


def established_after_retries(ae: AE, port: int, attempts: int = 50) -> Association:
    """An association once the SCP has freed the slot of the one before (its reactor ends
    on its own thread, a moment after the peer's release or abort)."""
    for _ in range(attempts):
        assoc = ae.associate("127.0.0.1", port, ae_title="RADCDS")
        if assoc.is_established:
            return assoc
        time.sleep(0.1)
    raise AssertionError("the SCP never freed the association slot")


@pytest.mark.parametrize("ending", ["release", "abort"])
def test_a_peer_ending_its_association_frees_the_slot(receiver, write_ct_series, ending) -> None:
    scp = StorageScp(
        ScpConfig(ae_title="RADCDS", host="127.0.0.1", port=0, max_associations=1), receiver
    )
    scp.start()
    try:
        ae = AE(ae_title="PYSCU")
        ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2")
        first = ae.associate("127.0.0.1", scp.port, ae_title="RADCDS")
        assert first.send_c_store(write_ct_series(1)[0]).Status == 0x0000
        getattr(first, ending)()
        second = established_after_retries(ae, scp.port)
        assert second.send_c_store(write_ct_series(1)[0]).Status == 0x0000
        second.release()
    finally:
        scp.stop()
    assert receiver.index.instance_count() == 2
