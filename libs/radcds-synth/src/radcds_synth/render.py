"""Turn a labelled phantom into CT slices: partial volume, blur, noise, stored values.

Each voxel is the mean attenuation of its sub-voxel samples (partial volume); the in-plane
point spread function is Gaussian; noise is Gaussian, spatially correlated, seeded per slice
so any slice can be rendered alone and in any order with the same result.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter  # type: ignore[import-untyped]

from radcds_synth.geometry import SeriesGeometry, block_mean
from radcds_synth.shapes import FloatArray

Float32Array = NDArray[np.float32]
LabelArray = NDArray[np.int8]

# Stored value = HU + 1024, 12 bits stored: the common CT convention (Rescale Intercept
# -1024, Rescale Slope 1) covering -1024 to 3071 HU.
RESCALE_INTERCEPT = -1024.0
RESCALE_SLOPE = 1.0
MAX_STORED = 4095
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_NOISE_GRAIN_PIXELS = 0.7


class Phantom(Protocol):
    """Tissue labels anywhere in space, and what each label attenuates."""

    @property
    def hu_by_label(self) -> Float32Array: ...

    @property
    def lesion_labels(self) -> frozenset[int]: ...

    def labels(self, x: FloatArray, y: FloatArray, z: float) -> LabelArray: ...


@dataclass(frozen=True)
class ScanQuality:
    """Image noise (standard deviation in HU at 5 mm slices) and in-plane resolution."""

    noise_hu: float
    psf_fwhm_mm: float

    def noise_at(self, slice_thickness_mm: float) -> float:
        """Quantum noise scales with 1/sqrt(slice thickness) at a fixed dose."""
        return self.noise_hu * math.sqrt(5.0 / slice_thickness_mm)


@dataclass(frozen=True)
class RenderedSlice:
    """Hounsfield units as stored (after noise) and the fraction of each voxel that is lesion."""

    stored: NDArray[np.uint16]
    lesion_fraction: Float32Array


def render_slice(
    phantom: Phantom,
    geometry: SeriesGeometry,
    index: int,
    quality: ScanQuality,
    noise_seed: tuple[int, ...],
) -> RenderedSlice:
    """Render slice `index`; `noise_seed` alone fixes its noise."""
    hu, lesion = _partial_volume(phantom, geometry, index)
    sigma_pixels = quality.psf_fwhm_mm / _FWHM_PER_SIGMA / geometry.pixel_spacing_mm
    hu = gaussian_filter(hu, sigma=sigma_pixels, mode="nearest")
    rng = np.random.default_rng(list(noise_seed))
    grain = gaussian_filter(rng.standard_normal(hu.shape), sigma=_NOISE_GRAIN_PIXELS, mode="wrap")
    sigma_hu = quality.noise_at(geometry.slice_thickness_mm)
    hu = hu + (grain * (sigma_hu / _grain_std())).astype(np.float32)
    stored = np.clip(np.rint((hu - RESCALE_INTERCEPT) / RESCALE_SLOPE), 0, MAX_STORED)
    return RenderedSlice(stored=stored.astype(np.uint16), lesion_fraction=lesion)


def _partial_volume(
    phantom: Phantom, geometry: SeriesGeometry, index: int
) -> tuple[Float32Array, Float32Array]:
    x, y = geometry.sample_axes()
    table = phantom.hu_by_label
    lesion_lookup = np.zeros(table.shape, dtype=np.float32)
    lesion_lookup[list(phantom.lesion_labels)] = 1.0
    hu = np.zeros((y.shape[0], x.shape[1]), dtype=np.float32)
    lesion = np.zeros_like(hu)
    for z in geometry.sample_z_mm(index):
        labels = phantom.labels(x, y, z)
        hu += table[labels]
        lesion += lesion_lookup[labels]
    n = geometry.through_plane_samples
    s = geometry.in_plane_samples
    return block_mean(hu / np.float32(n), s), block_mean(lesion / np.float32(n), s)


@functools.cache
def _grain_std() -> float:
    """Standard deviation of unit white noise after the grain filter."""
    impulse = np.zeros((33, 33))
    impulse[16, 16] = 1.0
    kernel = gaussian_filter(impulse, sigma=_NOISE_GRAIN_PIXELS, mode="constant")
    return float(np.sqrt((kernel**2).sum()))
