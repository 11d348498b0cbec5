"""Intracranial haemorrhage planted into the head phantom at a chosen volume.

Each part of a bleed is a region that grows with one parameter: a lobulated ellipsoid for an
intraparenchymal clot, a fluid level rising from the dependent (posterior, in a supine
patient) ventricles for intraventricular extension, and a crescent under the inner table
(concave towards the brain, unlike the lens of an extradural) for a subdural collection. The
parameter is fitted on the series' own sample grid, so the planted volume is exact to one
sample (`SeriesGeometry.sample_volume_ml`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np

from radcds_synth.geometry import SeriesGeometry
from radcds_synth.head import HeadAnatomy, LabelArray
from radcds_synth.shapes import BoolArray, Ellipsoid, FloatArray, Vec3

HaemorrhageKind = Literal["intraparenchymal", "intraventricular", "subdural"]
Compartment = Literal["supratentorial", "infratentorial"]
Side = Literal["left", "right"]
# A subdural collection thins to nothing where the inner table faces 41 degrees away from
# where it is thickest (cosine 0.75).
_CRESCENT_EDGE = 0.75
# No subdural collection here is thicker than this.
_CRESCENT_MAX_MM = 45.0
# A fluid level tilted this little breaks ties between samples at the same height.
_LEVEL_TILT = (1e-4, 1.0, 1e-3)


class Extent(Protocol):
    """A family of nested regions: a point is inside at size s when `extent(p) <= s`."""

    def __call__(self, x: FloatArray, y: FloatArray, z: float) -> FloatArray: ...

    def z_range_mm(self) -> tuple[float, float]: ...

    @property
    def limit(self) -> float:
        """No fitted size exceeds this; larger extent values need not be kept while fitting."""
        ...


@dataclass(frozen=True)
class LobulatedEllipsoid:
    """Ellipsoidal radius divided by a smooth angular bulge, so clots are not perfect."""

    shape: Ellipsoid
    lobes: tuple[tuple[Vec3, float, float], ...]
    reach_mm: float

    def __call__(self, x: FloatArray, y: FloatArray, z: float) -> FloatArray:
        c = self.shape.centre_mm
        dx, dy, dz = x - c[0], y - c[1], z - c[2]
        norm = np.sqrt(dx * dx + dy * dy + dz * dz) + 1e-9
        bulge = np.ones_like(norm)
        for direction, amplitude, phase in self.lobes:
            cosine = (direction[0] * dx + direction[1] * dy + direction[2] * dz) / norm
            bulge = bulge + amplitude * np.cos(3.0 * cosine + phase)
        radius: FloatArray = self.shape.radius(x, y, z) / bulge
        return radius

    def z_range_mm(self) -> tuple[float, float]:
        c = self.shape.centre_mm[2]
        return c - self.reach_mm, c + self.reach_mm

    @property
    def limit(self) -> float:
        return self.reach_mm


@dataclass(frozen=True)
class FluidLevel:
    """Blood layering in the ventricles from the most posterior (dependent) point forward."""

    z_low_mm: float
    z_high_mm: float

    def __call__(self, x: FloatArray, y: FloatArray, z: float) -> FloatArray:
        tx, ty, tz = _LEVEL_TILT
        level: FloatArray = -(tx * x + ty * y + tz * z)
        return level

    def z_range_mm(self) -> tuple[float, float]:
        return self.z_low_mm, self.z_high_mm

    @property
    def limit(self) -> float:
        return math.inf


@dataclass(frozen=True)
class Crescent:
    """Depth under the inner table, divided by how squarely the table faces `towards`.

    The collection is thickest where the inner table faces `towards` (the lateral convexity,
    or the occiput for the posterior fossa) and thins to nothing about 41 degrees away.
    """

    inner_table: Ellipsoid
    towards: Vec3

    def __call__(self, x: FloatArray, y: FloatArray, z: float) -> FloatArray:
        a, b, c = self.inner_table.axes_mm
        o = self.inner_table.centre_mm
        u, v, w = (x - o[0]) / a, (y - o[1]) / b, (z - o[2]) / c
        radius = np.sqrt(u * u + v * v + w * w) + 1e-9
        gx, gy, gz = u / (a * radius), v / (b * radius), w / (c * radius)
        slope = np.sqrt(gx * gx + gy * gy + gz * gz)
        depth = (1.0 - radius) / slope
        t = self.towards
        facing = (gx * t[0] + gy * t[1] + gz * t[2]) / slope
        weight = np.clip((facing - _CRESCENT_EDGE) / (1.0 - _CRESCENT_EDGE), 0.0, 1.0)
        spread: FloatArray = np.where(weight > 0.02, depth / np.maximum(weight, 0.02), np.inf)
        return spread

    def z_range_mm(self) -> tuple[float, float]:
        centre, c = self.inner_table.centre_mm[2], self.inner_table.axes_mm[2]
        return centre - c, centre + c

    @property
    def limit(self) -> float:
        return _CRESCENT_MAX_MM


@dataclass(frozen=True)
class BleedPart:
    """One region of a bleed: tissues it may replace, where, and its fitted size."""

    name: str
    extent: Extent
    tissues: frozenset[int]
    compartment: Compartment
    side: Side | None
    size: float = field(default=-math.inf)
    volume_ml: float = 0.0

    def allowed(
        self, anatomy: HeadAnatomy, labels: LabelArray, x: FloatArray, y: FloatArray, z: float
    ) -> BoolArray:
        ok: BoolArray = np.isin(labels, list(self.tissues))
        infra = anatomy.infratentorial(y, z)
        ok &= infra if self.compartment == "infratentorial" else ~infra
        if self.side is not None:
            ok &= (x > 0) if self.side == "left" else (x < 0)
        return ok

    def reaches(self, z: float) -> bool:
        low, high = self.extent.z_range_mm()
        return low <= z <= high

    def contains(
        self, anatomy: HeadAnatomy, labels: LabelArray, x: FloatArray, y: FloatArray, z: float
    ) -> BoolArray:
        if not self.reaches(z):
            return np.zeros(labels.shape, dtype=np.bool_)
        inside: BoolArray = self.allowed(anatomy, labels, x, y, z) & (
            self.extent(x, y, z) <= self.size
        )
        return inside


def fit_part(
    part: BleedPart, anatomy: HeadAnatomy, geometry: SeriesGeometry, volume_ml: float
) -> BleedPart:
    """Choose the part's size so that it covers `volume_ml` of the series' sample grid."""
    wanted = round(volume_ml / geometry.sample_volume_ml)
    if wanted == 0:
        return replace(part, size=-math.inf, volume_ml=0.0)
    values = _extent_values(part, anatomy, geometry)
    if values.size < wanted:
        raise ValueError(
            f"the {part.compartment} {part.name} space holds at most "
            f"{values.size * geometry.sample_volume_ml:.1f} mL, not {volume_ml:.1f} mL"
        )
    size = float(np.partition(values, wanted - 1)[wanted - 1])
    planted = int(np.count_nonzero(values <= size))
    return replace(part, size=size, volume_ml=planted * geometry.sample_volume_ml)


def _extent_values(part: BleedPart, anatomy: HeadAnatomy, geometry: SeriesGeometry) -> FloatArray:
    x, y = geometry.sample_axes()
    chunks: list[FloatArray] = []
    for index in geometry.slices_between(*part.extent.z_range_mm()):
        for z in filter(part.reaches, geometry.sample_z_mm(index)):
            labels = anatomy.labels(x, y, z)
            allowed = part.allowed(anatomy, labels, x, y, z)
            if allowed.any():
                values = part.extent(x, y, z)[allowed]
                chunks.append(values[values <= part.extent.limit])
    return np.concatenate(chunks) if chunks else np.zeros(0)
