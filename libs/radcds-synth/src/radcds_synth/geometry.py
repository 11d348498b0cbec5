"""Where the voxels of an axial CT series lie, in patient coordinates (DICOM LPS, mm).

x grows to the patient's left, y to posterior, z to superior (PS3.3 C.7.6.2.1.1). Rows run
along +y and columns along +x, so the series is axial with Image Orientation 1\\0\\0\\0\\1\\0.
Slices are contiguous: the spacing between slices equals the slice thickness.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Partial volume is sampled about every 1.25 mm, at most 4 x 4 in plane and 5 through the
# slice: enough to smooth edges; ground truth is exact on whatever grid is sampled.
_SAMPLE_PITCH_MM = 1.25
_MAX_IN_PLANE = 4
_MAX_THROUGH_PLANE = 5


@dataclass(frozen=True)
class SeriesSize:
    """Matrix (rows = columns) and number of slices of a series."""

    matrix: int
    slices: int

    def __post_init__(self) -> None:
        if not 16 <= self.matrix <= 1024 or not 1 <= self.slices <= 2000:
            raise ValueError(f"unsupported series size {self.matrix}x{self.matrix}x{self.slices}")


TINY = SeriesSize(matrix=64, slices=16)
SMALL = SeriesSize(matrix=128, slices=32)
CLINICAL = SeriesSize(matrix=512, slices=32)
THIN = SeriesSize(matrix=512, slices=256)


@dataclass(frozen=True)
class SeriesGeometry:
    """A square axial grid of `size`, `field_of_view_mm` wide, `coverage_mm` long, centred."""

    size: SeriesSize
    field_of_view_mm: float
    coverage_mm: float

    @property
    def rows(self) -> int:
        return self.size.matrix

    @property
    def columns(self) -> int:
        return self.size.matrix

    @property
    def slices(self) -> int:
        return self.size.slices

    @property
    def pixel_spacing_mm(self) -> float:
        return self.field_of_view_mm / self.size.matrix

    @property
    def slice_thickness_mm(self) -> float:
        return self.coverage_mm / self.size.slices

    @property
    def voxel_volume_ml(self) -> float:
        return self.pixel_spacing_mm**2 * self.slice_thickness_mm / 1000.0

    def origin_mm(self, slice_index: int) -> tuple[float, float, float]:
        """Image Position (Patient): the centre of the first voxel of a slice."""
        first = -self.field_of_view_mm / 2 + self.pixel_spacing_mm / 2
        return (first, first, self.slice_z_mm(slice_index))

    def slice_z_mm(self, slice_index: int) -> float:
        """z of a slice centre; slice 0 is the most inferior."""
        return -self.coverage_mm / 2 + (slice_index + 0.5) * self.slice_thickness_mm

    @property
    def in_plane_samples(self) -> int:
        """Samples per voxel along x and along y, for partial-volume averaging."""
        return _samples_for(self.pixel_spacing_mm, _MAX_IN_PLANE)

    @property
    def through_plane_samples(self) -> int:
        return _samples_for(self.slice_thickness_mm, _MAX_THROUGH_PLANE)

    @property
    def sample_volume_ml(self) -> float:
        samples = self.in_plane_samples**2 * self.through_plane_samples
        return self.voxel_volume_ml / samples

    def sample_axes(self) -> tuple[FloatArray, FloatArray]:
        """x (shape 1 x C*s) and y (shape R*s x 1) of the in-plane sample points."""
        s = self.in_plane_samples
        first = -self.field_of_view_mm / 2 + self.pixel_spacing_mm / (2 * s)
        step = self.pixel_spacing_mm / s
        x = first + step * np.arange(self.columns * s, dtype=np.float64)
        y = first + step * np.arange(self.rows * s, dtype=np.float64)
        return x[np.newaxis, :], y[:, np.newaxis]

    def sample_z_mm(self, slice_index: int) -> Iterator[float]:
        """z of each sub-slice sample within a slice's thickness."""
        n = self.through_plane_samples
        bottom = self.slice_z_mm(slice_index) - self.slice_thickness_mm / 2
        for k in range(n):
            yield bottom + (k + 0.5) * self.slice_thickness_mm / n

    def slices_between(self, z_low_mm: float, z_high_mm: float) -> range:
        """Indices of the slices that overlap [z_low, z_high]."""
        bottom = -self.coverage_mm / 2
        first = max(0, math.floor((z_low_mm - bottom) / self.slice_thickness_mm))
        last = min(self.slices, math.ceil((z_high_mm - bottom) / self.slice_thickness_mm))
        return range(first, max(first, last))


def _samples_for(spacing_mm: float, most: int) -> int:
    return min(most, max(1, math.ceil(spacing_mm / _SAMPLE_PITCH_MM)))


def block_mean(samples: NDArray[np.float32], factor: int) -> NDArray[np.float32]:
    """Average factor x factor blocks of a 2-D array: the partial-volume mean of a voxel."""
    if factor == 1:
        return samples
    rows, cols = samples.shape[0] // factor, samples.shape[1] // factor
    blocks = samples.reshape(rows, factor, cols, factor)
    mean: NDArray[np.float32] = blocks.mean(axis=(1, 3), dtype=np.float32)
    return mean
