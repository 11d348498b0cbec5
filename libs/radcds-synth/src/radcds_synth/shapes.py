"""Solids the phantoms are built from, evaluated on broadcast sample grids (mm, LPS)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Vec3 = tuple[float, float, float]

_IDENTITY: tuple[Vec3, Vec3, Vec3] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid with semi-axes `axes_mm`, optionally rotated (rows of `rotation`)."""

    centre_mm: Vec3
    axes_mm: Vec3
    rotation: tuple[Vec3, Vec3, Vec3] = field(default=_IDENTITY)

    def radius(self, x: FloatArray, y: FloatArray, z: float | FloatArray) -> FloatArray:
        """Normalised ellipsoidal radius: below 1 inside, 1 on the surface."""
        radius: FloatArray = np.sqrt(self._radius_squared(x, y, z))
        return radius

    def contains(self, x: FloatArray, y: FloatArray, z: float | FloatArray) -> BoolArray:
        inside: BoolArray = self._radius_squared(x, y, z) <= 1.0
        return inside

    def _radius_squared(self, x: FloatArray, y: FloatArray, z: float | FloatArray) -> FloatArray:
        dx, dy, dz = x - self.centre_mm[0], y - self.centre_mm[1], z - self.centre_mm[2]
        a, b, c = self.axes_mm
        if self.rotation == _IDENTITY:
            # Axis-aligned: square each axis on its own (broadcast) shape, add once.
            squared: FloatArray = (dx / a) ** 2 + (dy / b) ** 2 + (dz / c) ** 2
            return squared
        total = np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(dy), np.shape(dz)))
        for row, semi_axis in zip(self.rotation, self.axes_mm, strict=True):
            u = (row[0] * dx + row[1] * dy + row[2] * dz) / semi_axis
            total += u * u
        return total

    def shrunk(self, margin_mm: float) -> Ellipsoid:
        """The same ellipsoid with every semi-axis `margin_mm` shorter."""
        axes = (
            self.axes_mm[0] - margin_mm,
            self.axes_mm[1] - margin_mm,
            self.axes_mm[2] - margin_mm,
        )
        return Ellipsoid(self.centre_mm, axes, self.rotation)

    def mirrored_x(self) -> Ellipsoid:
        """The same solid on the patient's other side."""
        c = self.centre_mm
        return Ellipsoid((-c[0], c[1], c[2]), self.axes_mm, self.rotation)


@dataclass(frozen=True)
class Tube:
    """A straight cylinder of `radius_mm` from `start_mm` to `end_mm`."""

    start_mm: Vec3
    end_mm: Vec3
    radius_mm: float

    def contains(self, x: FloatArray, y: FloatArray, z: float | FloatArray) -> BoolArray:
        axis = np.subtract(self.end_mm, self.start_mm)
        length_sq = float(axis @ axis)
        dx, dy, dz = x - self.start_mm[0], y - self.start_mm[1], z - self.start_mm[2]
        t = np.clip((dx * axis[0] + dy * axis[1] + dz * axis[2]) / length_sq, 0.0, 1.0)
        ex, ey, ez = dx - t * axis[0], dy - t * axis[1], dz - t * axis[2]
        inside: BoolArray = ex * ex + ey * ey + ez * ez <= self.radius_mm**2
        return inside

    def z_range_mm(self) -> tuple[float, float]:
        return self._range(2)

    def xy_range_mm(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return self._range(0), self._range(1)

    def _range(self, axis: int) -> tuple[float, float]:
        low = min(self.start_mm[axis], self.end_mm[axis]) - self.radius_mm
        high = max(self.start_mm[axis], self.end_mm[axis]) + self.radius_mm
        return low, high


def rotation_from_angles(yaw: float, pitch: float, roll: float) -> tuple[Vec3, Vec3, Vec3]:
    """Rotation matrix rows for intrinsic z-y-x angles in radians."""
    cz, sz = np.cos(yaw), np.sin(yaw)
    cy, sy = np.cos(pitch), np.sin(pitch)
    cx, sx = np.cos(roll), np.sin(roll)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    m = rz @ ry @ rx
    rows = [(float(r[0]), float(r[1]), float(r[2])) for r in m]
    return rows[0], rows[1], rows[2]
