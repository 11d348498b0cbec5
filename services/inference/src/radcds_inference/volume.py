"""A CT series as a volume in Hounsfield units, and the model's grid.

highdicom builds the volume (slices ordered by position, modality LUT applied) and refuses
series that are not one regularly spaced stack: missing slices, mixed orientations. The volume
is then put in HPL orientation (axis 0 toward the head, 1 toward posterior, 2 toward the
patient's left), resampled to the model's spacing and centred in the model's input shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highdicom as hd
import numpy as np
import pydicom
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped]

FloatVolume = NDArray[np.float32]
Shape3 = tuple[int, int, int]
Spacing3 = tuple[float, float, float]


class SeriesError(ValueError):
    """The series cannot be made into one volume; the message says why."""


def hu_volume(datasets: Sequence[pydicom.Dataset]) -> hd.Volume:
    """The series as float32 HU in HPL orientation."""
    if len(datasets) < 2:
        raise SeriesError(f"a volume needs at least 2 slices, the series has {len(datasets)}")
    orientations = {
        tuple(round(float(v), 3) for v in ds.ImageOrientationPatient) for ds in datasets
    }
    if len(orientations) > 1:
        raise SeriesError(f"mixed slice orientations in one series ({len(orientations)} found)")
    try:
        volume = hd.get_volume_from_series(
            list(datasets), dtype=np.float32, apply_modality_transform=True
        )
    except (ValueError, AttributeError, KeyError) as error:
        raise SeriesError(f"not one regularly spaced stack of slices: {error}") from error
    return volume.to_patient_orientation("HPL")


@dataclass(frozen=True)
class GridMapping:
    """How a source volume maps onto the model's input grid and back."""

    source_shape: Shape3
    zoomed_shape: Shape3
    model_shape: Shape3
    # Index in the zoomed volume of the model grid's voxel 0 (negative: padding).
    offset: Shape3
    model_spacing: Spacing3

    @property
    def voxel_volume_ml(self) -> float:
        return float(np.prod(self.model_spacing)) / 1000.0


def to_model_grid(
    volume: hd.Volume, spacing: Spacing3, shape: Shape3, fill_hu: float = -1024.0
) -> tuple[FloatVolume, GridMapping]:
    """Resamples to `spacing` (trilinear) and centres in `shape`, padding with `fill_hu`."""
    factors = [src / dst for src, dst in zip(volume.spacing, spacing, strict=True)]
    zoomed = ndimage.zoom(volume.array, factors, order=1, mode="nearest", grid_mode=True)
    out = np.full(shape, fill_hu, dtype=np.float32)
    offset = tuple((z - m) // 2 for z, m in zip(zoomed.shape, shape, strict=True))
    src, dst = _overlap(zoomed.shape, shape, offset)
    out[dst] = zoomed[src]
    mapping = GridMapping(
        source_shape=_shape3(volume.spatial_shape),
        zoomed_shape=_shape3(zoomed.shape),
        model_shape=shape,
        offset=_shape3(offset),
        model_spacing=spacing,
    )
    return out, mapping


def to_source_grid(mask: NDArray[np.bool_], mapping: GridMapping) -> NDArray[np.bool_]:
    """A model-grid mask back on the source volume's grid (nearest neighbour)."""
    zoomed = np.zeros(mapping.zoomed_shape, dtype=np.uint8)
    src, dst = _overlap(mapping.zoomed_shape, mapping.model_shape, mapping.offset)
    zoomed[src] = mask[dst]
    factors = [s / z for s, z in zip(mapping.source_shape, mapping.zoomed_shape, strict=True)]
    back = ndimage.zoom(zoomed, factors, order=0, mode="nearest", grid_mode=True)
    return np.asarray(back[: mapping.source_shape[0], : mapping.source_shape[1]] > 0)


def _overlap(
    zoomed: tuple[int, ...], model: tuple[int, ...], offset: tuple[int, ...]
) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    src, dst = [], []
    for size, target, start in zip(zoomed, model, offset, strict=True):
        lo = max(start, 0)
        hi = min(start + target, size)
        src.append(slice(lo, hi))
        dst.append(slice(lo - start, hi - start))
    return tuple(src), tuple(dst)


def _shape3(values: tuple[int, ...]) -> Shape3:
    return (int(values[0]), int(values[1]), int(values[2]))
