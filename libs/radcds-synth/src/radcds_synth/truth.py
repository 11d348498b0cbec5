"""Ground truth measured from the rendered voxels as each slice is written.

The lesion volume is the sum over voxels of the lesion fraction (the partial-volume share of
each voxel's samples) times the voxel volume: what was planted in this very grid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from radcds_synth.ct_series import TRANSFER_SYNTAXES, Compression, CtProtocol, WrittenSlice
from radcds_synth.geometry import SeriesGeometry

SliceCallback = Callable[[int], None]
SCHEMA = "radcds-synth/ground-truth/v1"
# A voxel is in the mask when at least half of it is lesion.
MASK_FRACTION = 0.5


class LesionTally:
    """Volume, centroid and slice extent of the lesion, and an optional uint8 mask on disk."""

    def __init__(self, geometry: SeriesGeometry, mask_path: Path | None) -> None:
        self._geometry = geometry
        self._volume_ml = 0.0
        self._moment = np.zeros(3)
        self._slices: list[int] = []
        shape = (geometry.slices, geometry.rows, geometry.columns)
        self._mask = None
        if mask_path is not None:
            self._mask = open_memmap(mask_path, mode="w+", dtype=np.uint8, shape=shape)
        self.mask_path = mask_path

    def add(self, written: WrittenSlice) -> None:
        fraction = written.rendered.lesion_fraction
        if self._mask is not None:
            self._mask[written.index] = fraction >= MASK_FRACTION
        total = float(fraction.sum(dtype=np.float64))
        if total == 0.0:
            return
        g = self._geometry
        x0, y0, z = g.origin_mm(written.index)
        rows, cols = np.nonzero(fraction)
        weights = fraction[rows, cols].astype(np.float64)
        self._moment += (
            float((x0 + cols * g.pixel_spacing_mm) @ weights),
            float((y0 + rows * g.pixel_spacing_mm) @ weights),
            z * total,
        )
        self._volume_ml += total * g.voxel_volume_ml
        self._slices.append(written.index + 1)

    def follow(self, series: Iterable[WrittenSlice], on_slice: SliceCallback | None) -> None:
        """Tally each slice as it is written, then release the mask file."""
        for written in series:
            self.add(written)
            if on_slice is not None:
                on_slice(written.index)
        self.close()

    def close(self) -> None:
        if self._mask is not None:
            self._mask.flush()
            del self._mask
            self._mask = None

    @property
    def volume_ml(self) -> float:
        return self._volume_ml

    def summary(self) -> dict[str, Any]:
        """Volume, centroid (LPS mm) and the instance numbers the lesion appears on."""
        if not self._slices:
            return {"volume_ml": 0.0, "centroid_mm": None, "instances": []}
        total = self._volume_ml / self._geometry.voxel_volume_ml
        centroid = [round(float(v), 2) for v in self._moment / total]
        return {
            "volume_ml": round(self._volume_ml, 4),
            "centroid_mm": centroid,
            "instances": [self._slices[0], self._slices[-1]],
        }


def study_facts(
    protocol: CtProtocol, geometry: SeriesGeometry, series_uid: str, compression: Compression
) -> dict[str, Any]:
    """What a consumer of the series should find in its tags."""
    return {
        "modality": "CT",
        "body_part": protocol.body_part,
        "study_description": protocol.study_description,
        "series_instance_uid": series_uid,
        "transfer_syntax_uid": str(TRANSFER_SYNTAXES[compression]),
        "rows": geometry.rows,
        "columns": geometry.columns,
        "instances": geometry.slices,
        "pixel_spacing_mm": round(geometry.pixel_spacing_mm, 6),
        "slice_thickness_mm": round(geometry.slice_thickness_mm, 6),
    }


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    path.write_text(json.dumps({"schema": SCHEMA, **truth}, indent=2, sort_keys=True) + "\n")
