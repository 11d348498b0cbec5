"""Fixtures for ingestion tests: synthetic CT series and an SCP on an ephemeral port."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
from radcds_ingestion.dimse import ScpConfig, StorageScp
from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.spool import InstanceSpool

WriteSeries = Callable[..., list[Path]]


def ct_dataset(study_uid: str, series_uid: str, number: int, rows: int, **extra: str) -> Dataset:
    """A small CT Image Storage instance with synthetic, non-identifying values."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.PatientName, ds.PatientID = extra.get("name", "Synthetic^Test"), extra.get("mrn", "SYN001")
    ds.PatientBirthDate, ds.AccessionNumber = "19700101", extra.get("accession", "ACC001")
    ds.StudyDate, ds.StudyTime, ds.Modality = "20260101", "101010", "CT"
    ds.SeriesNumber, ds.InstanceNumber, ds.SliceThickness = 1, number, "1.25"
    ds.BodyPartExamined, ds.SeriesDescription = "HEAD", "Synthetic head"
    ds.ImagePositionPatient = [0, 0, number * 1.25]
    ds.Rows = ds.Columns = rows
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelData = bytes([number % 251]) * (rows * rows * 2)
    return ds


@pytest.fixture
def write_ct_series(tmp_path: Path) -> WriteSeries:
    """Writes `count` CT instances of one new series to a folder; returns their paths."""

    def write(count: int, rows: int = 32, study_uid: str = "", **extra: str) -> list[Path]:
        study_uid = study_uid or generate_uid()
        series_uid = generate_uid()
        folder = tmp_path / "series" / series_uid
        folder.mkdir(parents=True)
        paths = []
        for number in range(1, count + 1):
            ds = ct_dataset(study_uid, series_uid, number, rows, **extra)
            path = folder / f"{number:05d}.dcm"
            ds.save_as(path, enforce_file_format=True)
            paths.append(path)
        return paths

    return write


@pytest.fixture
def spool(tmp_path: Path) -> InstanceSpool:
    spool = InstanceSpool(tmp_path / "spool", disk_watermark=0.999)
    spool.open()
    return spool


@pytest.fixture
def index(spool: InstanceSpool) -> Iterator[InstanceIndex]:
    index = InstanceIndex(f"sqlite:///{spool.root / 'index.sqlite3'}")
    index.open()
    yield index
    index.close()


@pytest.fixture
def receiver(spool: InstanceSpool, index: InstanceIndex) -> InstanceReceiver:
    return InstanceReceiver(spool, index, max_instance_bytes=8 * 1024 * 1024)


@pytest.fixture
def scp(receiver: InstanceReceiver) -> Iterator[StorageScp]:
    config = ScpConfig(
        ae_title="RADCDS", host="127.0.0.1", port=0, allowed_calling_aes=["STORESCU", "PYSCU"]
    )
    scp = StorageScp(config, receiver)
    scp.start()
    yield scp
    scp.stop()
