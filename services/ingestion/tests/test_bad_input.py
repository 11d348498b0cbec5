"""Hostile and malformed input: the right PS3.4 Annex B status, and nothing stored is lost."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE, _config
from pynetdicom.association import Association
from radcds_ingestion.dimse import StorageScp
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.spool import InstanceSpool

pytestmark = pytest.mark.integration

CANNOT_UNDERSTAND, OUT_OF_RESOURCES, SOP_CLASS_NOT_SUPPORTED = 0xC000, 0xA700, 0x0122
MALFORMED_TEST_FILES = {
    "no_meta.dcm": CANNOT_UNDERSTAND,
    "MR_truncated.dcm": CANNOT_UNDERSTAND,
    "meta_missing_tsyntax.dcm": CANNOT_UNDERSTAND,
    "no_meta_group_length.dcm": CANNOT_UNDERSTAND,
    "rtplan_truncated.dcm": CANNOT_UNDERSTAND,
    "badVR.dcm": SOP_CLASS_NOT_SUPPORTED,
    "rtdose.dcm": SOP_CLASS_NOT_SUPPORTED,
}


def part10_file(folder: Path, sop_instance_uid: str, payload: bytes) -> Path:
    """A file with valid File Meta Information followed by `payload` as the dataset."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop_instance_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = folder / f"crafted-{len(list(folder.iterdir()))}.dcm"
    with open(path, "wb") as handle:
        handle.write(b"\x00" * 128 + b"DICM")
        write_file_meta_info(handle, meta, enforce_standard=False)
        handle.write(payload)
    return path


def dataset_payload(path: Path) -> bytes:
    raw = path.read_bytes()
    return raw[144 + int.from_bytes(raw[140:144], "little") :]


@pytest.fixture
def raw_association(scp: StorageScp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Association]:
    """A pynetdicom SCU that sends file bytes as they are, without decoding them."""
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)
    ae = AE(ae_title="PYSCU")
    ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", scp.port, ae_title="RADCDS")
    assert assoc.is_established
    yield assoc
    assoc.release()


@pytest.fixture
def stored_before(raw_association: Association, write_ct_series) -> Path:
    [path] = write_ct_series(1)
    assert raw_association.send_c_store(path).Status == 0x0000
    return path


def crafted_ct(write_ct_series, tmp_path: Path, **values: str | None) -> Path:
    [path] = write_ct_series(1)
    ds = dcmread(path)
    for keyword, value in values.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    out = tmp_path / "crafted.dcm"
    ds.save_as(out, enforce_file_format=False)
    return out


def assert_still_stored(path: Path, spool: InstanceSpool, index: InstanceIndex) -> None:
    ds = dcmread(path, stop_before_pixels=True)
    assert spool.path_for(ds.StudyInstanceUID, ds.SOPInstanceUID).exists()
    assert index.instance_count() == 1
    assert list(spool.incoming.iterdir()) == []


def test_non_dicom_bytes(raw_association, stored_before, spool, index, tmp_path) -> None:
    path = part10_file(tmp_path, generate_uid(), b"this is not a DICOM dataset\n" * 64)
    assert raw_association.send_c_store(path).Status == CANNOT_UNDERSTAND
    assert_still_stored(stored_before, spool, index)


def test_truncated_dataset(raw_association, stored_before, spool, index, tmp_path) -> None:
    source = Path(get_testdata_file("MR_truncated.dcm"))
    sop_instance_uid = dcmread(source, stop_before_pixels=True).SOPInstanceUID
    path = part10_file(tmp_path, sop_instance_uid, dataset_payload(source))
    assert raw_association.send_c_store(path).Status == CANNOT_UNDERSTAND
    assert_still_stored(stored_before, spool, index)


def test_missing_sop_instance_uid(
    raw_association, stored_before, spool, index, write_ct_series, tmp_path
) -> None:
    crafted = crafted_ct(write_ct_series, tmp_path, SOPInstanceUID=None)
    path = part10_file(tmp_path, generate_uid(), dataset_payload(crafted))
    assert raw_association.send_c_store(path).Status == CANNOT_UNDERSTAND
    assert_still_stored(stored_before, spool, index)


def test_uids_crafted_as_paths(
    raw_association, stored_before, spool, index, write_ct_series, tmp_path
) -> None:
    crafted = crafted_ct(
        write_ct_series, tmp_path, StudyInstanceUID="../../x", SOPInstanceUID="../../../escape"
    )
    path = part10_file(tmp_path, "../../../escape", dataset_payload(crafted))
    assert raw_association.send_c_store(path).Status == CANNOT_UNDERSTAND
    assert_still_stored(stored_before, spool, index)
    assert not list(spool.root.parent.parent.rglob("escape*"))


def test_oversize_object(raw_association, stored_before, spool, index, write_ct_series) -> None:
    [big] = write_ct_series(1, rows=2100)
    assert big.stat().st_size > 8 * 1024 * 1024
    assert raw_association.send_c_store(big).Status == OUT_OF_RESOURCES
    assert_still_stored(stored_before, spool, index)


@pytest.mark.parametrize(("file_name", "status"), MALFORMED_TEST_FILES.items())
def test_pydicom_malformed_files(
    file_name: str, status: int, receiver: InstanceReceiver, spool, index, tmp_path
) -> None:
    incoming = spool.incoming / "upload.part"
    shutil.copyfile(get_testdata_file(file_name), incoming)

    outcome = receiver.accept(incoming)

    assert outcome.status == status
    assert index.instance_count() == 0
    assert list(spool.all_instance_files()) == []
    assert not incoming.exists()
