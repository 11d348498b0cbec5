"""A finding's series decoded for display: Hounsfield units per slice, feet to head, and
the AI mask from its DICOM SEG on the same grid."""

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from numpy.typing import NDArray
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels.processing import apply_modality_lut
from pydicom.uid import SegmentationStorage

from radcds_report.key_images.windows import Window


class KeyImageUnavailable(Exception):
    """The key image cannot be shown; the message says why, without PHI or UIDs."""


@dataclass(frozen=True)
class DecodedSeries:
    """Slices ordered from the feet to the head (PS3.3 C.7.6.2.1.1: LPS, +z is superior)."""

    hu: NDArray[np.int16]  # slice, row, column
    mask: NDArray[np.bool_]  # same shape
    sop_instance_uids: tuple[str, ...]
    voi: Window  # the images' own VOI window, else their range
    key_index: int
    row_direction: tuple[float, float, float]  # patient direction of increasing column

    @property
    def nbytes(self) -> int:
        return int(self.hu.nbytes + self.mask.nbytes)

    def index_of(self, sop_instance_uid: str) -> int:
        return self.sop_instance_uids.index(sop_instance_uid)


def read_part10(data: bytes) -> Dataset:
    return dcmread(BytesIO(data))


def _position_along_normal(ds: Dataset) -> float:
    orientation = np.array([float(v) for v in ds.ImageOrientationPatient])
    normal = np.cross(orientation[:3], orientation[3:])
    if normal[2] < 0:
        normal = -normal
    return float(np.dot(normal, [float(v) for v in ds.ImagePositionPatient]))


def _first(value: object) -> float | None:
    """The first of a DS value's values (PS3.3 C.11.2.1.2 allows several windows)."""
    if value is None or value == "":
        return None
    return float(value[0] if isinstance(value, MultiValue) else value)  # type: ignore[arg-type]


def _voi(image: Dataset, hu: NDArray[np.int16]) -> Window:
    center, width = _first(image.get("WindowCenter")), _first(image.get("WindowWidth"))
    if center is not None and width is not None and width > 0:
        return Window("image", center, width)
    low, high = float(hu.min()), float(hu.max())
    return Window("image", (low + high) / 2, max(high - low, 1.0))


def _slices(images: list[Dataset]) -> NDArray[np.int16]:
    planes = [apply_modality_lut(ds.pixel_array, ds) for ds in images]
    stacked: NDArray[np.int16] = np.clip(np.rint(np.stack(planes)), -32768, 32767).astype(np.int16)
    return stacked


def _mask(seg: Dataset | None, uids: tuple[str, ...], shape: tuple[int, ...]) -> NDArray[np.bool_]:
    """The union of the SEG's segments, per source instance (frames omitted are empty)."""
    if seg is None:
        raise KeyImageUnavailable("no segmentation stored for the finding")
    import highdicom as hd  # imported when used: it costs seconds of service start-up

    segmentation = hd.seg.Segmentation.from_dataset(seg, copy=False)
    referenced = {uid for _, _, uid in segmentation.get_source_image_uids()}
    covered = [i for i, uid in enumerate(uids) if uid in referenced]
    if not covered:
        raise KeyImageUnavailable("the segmentation does not reference the key image's series")
    pixels = segmentation.get_pixels_by_source_instance(
        [uids[i] for i in covered], combine_segments=True, assert_missing_frames_are_empty=True
    )
    mask = np.zeros(shape, dtype=bool)
    if pixels.shape[1:] != shape[1:]:
        raise KeyImageUnavailable("the segmentation's frames do not match the images' size")
    mask[covered] = pixels > 0
    return mask


def decode_series(instances: Iterable[Dataset], key_uid: str, seg_uid: str | None) -> DecodedSeries:
    """The key image's series from the study's instances, with the SEG's mask if given."""
    by_uid = {str(ds.SOPInstanceUID): ds for ds in instances}
    key = by_uid.get(key_uid)
    if key is None or "PixelData" not in key:
        raise KeyImageUnavailable("the key image is not stored in ingestion")
    images = [
        ds
        for ds in by_uid.values()
        if ds.get("SeriesInstanceUID") == key.SeriesInstanceUID
        and ds.SOPClassUID != SegmentationStorage
        and "PixelData" in ds
        and "ImagePositionPatient" in ds
        and (ds.Rows, ds.Columns) == (key.Rows, key.Columns)
    ]
    images.sort(key=_position_along_normal)
    uids = tuple(str(ds.SOPInstanceUID) for ds in images)
    hu = _slices(images)
    mask = _mask(by_uid.get(seg_uid) if seg_uid else None, uids, hu.shape)
    return DecodedSeries(
        hu=hu,
        mask=mask,
        sop_instance_uids=uids,
        voi=_voi(key, hu[uids.index(key_uid)]),
        key_index=uids.index(key_uid),
        row_direction=tuple(float(v) for v in key.ImageOrientationPatient[:3]),  # type: ignore[arg-type]
    )
