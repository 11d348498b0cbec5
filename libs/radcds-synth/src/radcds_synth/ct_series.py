"""Write a rendered phantom as a CT Image Storage series, one file per slice, streaming.

Modules per PS3.3 A.3 (CT Image IOD): Patient, General Study, Patient Study, General Series,
Frame of Reference, General Equipment, General Acquisition, General Image, Image Plane,
Image Pixel, CT Image, VOI LUT, SOP Common.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Literal

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
)

from radcds_synth.geometry import SeriesGeometry
from radcds_synth.identity import MRN_ISSUER, StudyIdentity, UidSource
from radcds_synth.render import (
    RESCALE_INTERCEPT,
    RESCALE_SLOPE,
    Phantom,
    RenderedSlice,
    ScanQuality,
    render_slice,
)

Compression = Literal["none", "rle", "jpeg2000"]
TRANSFER_SYNTAXES: dict[Compression, UID] = {
    "none": ExplicitVRLittleEndian,
    "rle": RLELossless,
    "jpeg2000": JPEG2000Lossless,
}
_ENCODING_PLUGIN: dict[Compression, str] = {"rle": "pydicom", "jpeg2000": "pylibjpeg"}


@dataclass(frozen=True)
class CtProtocol:
    """How the scan was ordered, acquired and reconstructed."""

    body_part: str
    study_description: str
    series_description: str
    protocol_name: str
    kernel: str
    window_centre: float
    window_width: float
    window_name: str
    quality: ScanQuality
    kvp: float = 120.0
    tube_current_ma: int = 250
    ctdi_vol_mgy: float = 40.0
    # PS3.16 CID 4052, Phantom Devices.
    ctdi_phantom: tuple[str, str] = ("113690", "IEC Body Dosimetry Phantom")


@dataclass(frozen=True)
class WrittenSlice:
    index: int
    path: Path
    rendered: RenderedSlice


def write_ct_series(
    directory: Path,
    phantom: Phantom,
    geometry: SeriesGeometry,
    protocol: CtProtocol,
    identity: StudyIdentity,
    uids: UidSource,
    compression: Compression = "none",
) -> Iterator[WrittenSlice]:
    """Render and write each slice in turn, inferior to superior; yields as each is on disk."""
    directory.mkdir(parents=True, exist_ok=True)
    template = _series_template(geometry, protocol, identity, uids)
    for index in range(geometry.slices):
        rendered = render_slice(
            phantom, geometry, index, protocol.quality, (uids.seed, uids.patient_index, index)
        )
        ds = _slice_dataset(template, geometry, index, uids)
        ds.PixelData = rendered.stored.tobytes()
        if compression != "none":
            ds.compress(
                TRANSFER_SYNTAXES[compression],
                rendered.stored,
                encoding_plugin=_ENCODING_PLUGIN[compression],
                generate_instance_uid=False,
            )
        path = directory / f"CT{index + 1:05d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        yield WrittenSlice(index=index, path=path, rendered=rendered)


def _series_template(
    geometry: SeriesGeometry, protocol: CtProtocol, identity: StudyIdentity, uids: UidSource
) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = CTImageStorage
    _patient_and_study(ds, identity)
    _series_and_equipment(ds, protocol, identity, uids)
    _image_pixel(ds, geometry)
    _ct_acquisition(ds, geometry, protocol)
    return ds


def _patient_and_study(ds: Dataset, identity: StudyIdentity) -> None:
    ds.PatientName = identity.dicom_name
    ds.PatientID = identity.mrn
    ds.IssuerOfPatientID = MRN_ISSUER
    ds.PatientBirthDate = identity.birth_date.strftime("%Y%m%d")
    ds.PatientSex = identity.dicom_sex
    ds.PatientAge = identity.dicom_age
    ds.StudyInstanceUID = identity.study_uid
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = identity.study_date
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = identity.study_time
    ds.InstanceCreationDate, ds.InstanceCreationTime = identity.study_date, identity.study_time
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.AccessionNumber = identity.accession_number


def _series_and_equipment(
    ds: Dataset, protocol: CtProtocol, identity: StudyIdentity, uids: UidSource
) -> None:
    ds.Modality = "CT"
    ds.SeriesInstanceUID = uids.uid("series/ct")
    ds.SeriesNumber = 2
    ds.SeriesDescription = protocol.series_description
    ds.StudyDescription = protocol.study_description
    ds.ProtocolName = protocol.protocol_name
    ds.BodyPartExamined = protocol.body_part
    ds.PatientPosition = "HFS"
    ds.FrameOfReferenceUID = uids.uid("frame-of-reference")
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "radcds"
    ds.ManufacturerModelName = "radcds-synth phantom"
    ds.SoftwareVersions = f"radcds-synth {version('radcds-synth')}"
    ds.DeviceSerialNumber = "SYNTH-0001"
    ds.InstitutionName = "radcds synthetic data"
    ds.ImageComments = "SYNTHETIC phantom image, not a real patient; not for clinical use"
    ds.BurnedInAnnotation = "NO"


def _image_pixel(ds: Dataset, geometry: SeriesGeometry) -> None:
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = geometry.rows, geometry.columns
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = f"{RESCALE_INTERCEPT:g}"
    ds.RescaleSlope = f"{RESCALE_SLOPE:g}"
    ds.RescaleType = "HU"
    ds.PixelSpacing = [f"{geometry.pixel_spacing_mm:.6g}"] * 2
    ds.SliceThickness = f"{geometry.slice_thickness_mm:.6g}"
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]


def _ct_acquisition(ds: Dataset, geometry: SeriesGeometry, protocol: CtProtocol) -> None:
    ds.AcquisitionNumber = 1
    ds.KVP = f"{protocol.kvp:g}"
    ds.XRayTubeCurrent = protocol.tube_current_ma
    ds.ExposureTime = 1000
    ds.Exposure = protocol.tube_current_ma
    ds.CTDIvol = protocol.ctdi_vol_mgy
    phantom = Dataset()
    phantom.CodeValue, phantom.CodeMeaning = protocol.ctdi_phantom
    phantom.CodingSchemeDesignator = "DCM"
    ds.CTDIPhantomTypeCodeSequence = [phantom]
    ds.ConvolutionKernel = protocol.kernel
    ds.GantryDetectorTilt = "0"
    ds.RotationDirection = "CW"
    ds.ReconstructionDiameter = f"{geometry.field_of_view_mm:g}"
    ds.DataCollectionDiameter = "500"
    ds.ScanOptions = "HELICAL"
    ds.WindowCenter = f"{protocol.window_centre:g}"
    ds.WindowWidth = f"{protocol.window_width:g}"
    ds.WindowCenterWidthExplanation = protocol.window_name
    ds.LossyImageCompression = "00"


def _slice_dataset(
    template: Dataset, geometry: SeriesGeometry, index: int, uids: UidSource
) -> Dataset:
    ds = copy.deepcopy(template)
    ds.SOPInstanceUID = uids.uid(f"instance/ct/{index}")
    ds.InstanceNumber = index + 1
    position = geometry.origin_mm(index)
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position]
    ds.SliceLocation = f"{position[2]:.6g}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds
