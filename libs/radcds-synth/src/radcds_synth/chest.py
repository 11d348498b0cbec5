"""An adult chest for unenhanced CT: body wall, ribs, spine, mediastinum, heart, aorta, lungs
divided into lobes by the fissures, airways to the lobar bronchi, and pulmonary vessels.

Typical unenhanced attenuation: aerated lung about -850 HU, fat -100 HU, muscle and unenhanced
blood 40-45 HU, a solid nodule about soft tissue, ground glass about -550 HU (Fleischner
Society glossary, Hansell et al., Radiology 2008;246:697-722, defines the appearances).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from radcds_synth.head import LabelArray
from radcds_synth.shapes import Ellipsoid, FloatArray, Tube, Vec3


class ChestTissue(IntEnum):
    AIR = 0
    FAT = 1
    SOFT_TISSUE = 2
    BONE = 3
    AIRWAY = 4
    BLOOD = 5
    RUL = 6
    RML = 7
    RLL = 8
    LUL = 9
    LLL = 10
    SOLID_NODULE = 11
    GROUND_GLASS = 12


CHEST_HU: dict[ChestTissue, float] = {
    ChestTissue.AIR: -1000.0,
    ChestTissue.FAT: -100.0,
    ChestTissue.SOFT_TISSUE: 45.0,
    ChestTissue.BONE: 700.0,
    ChestTissue.AIRWAY: -1000.0,
    ChestTissue.BLOOD: 40.0,
    ChestTissue.RUL: -850.0,
    ChestTissue.RML: -850.0,
    ChestTissue.RLL: -850.0,
    ChestTissue.LUL: -850.0,
    ChestTissue.LLL: -850.0,
    ChestTissue.SOLID_NODULE: 30.0,
    ChestTissue.GROUND_GLASS: -550.0,
}

LOBES: dict[str, ChestTissue] = {
    "right upper lobe": ChestTissue.RUL,
    "right middle lobe": ChestTissue.RML,
    "right lower lobe": ChestTissue.RLL,
    "left upper lobe": ChestTissue.LUL,
    "left lower lobe": ChestTissue.LLL,
}
LUNG = frozenset(LOBES.values())
_TALL = 1e6
_RIB_PITCH_MM = 32.0
_BRANCH_MM = 45.0
# The oblique fissure, from posterior-superior (y 80, z 60) to anterior-inferior (y -60,
# z -110), and the horizontal fissure of the right lung at z -20.
_OBLIQUE_SLOPE = 170.0 / 140.0
_OBLIQUE_Z_AT_ANTERIOR = -110.0
_HORIZONTAL_Z = -20.0


@dataclass(frozen=True)
class ChestAnatomy:
    """One patient's chest; `vessels` come from `vessel_tree` with the patient's seed."""

    vessels: tuple[Tube, ...] = field(default=())

    def labels(self, x: FloatArray, y: FloatArray, z: float) -> LabelArray:
        """Tissue at each point of a broadcast (y, x) grid on the plane at height z."""
        out = np.zeros(np.broadcast_shapes(x.shape, y.shape), dtype=np.int8)
        body = Ellipsoid((0.0, 0.0, 0.0), (165.0, 115.0, _TALL))
        out[body.contains(x, y, z)] = ChestTissue.FAT
        out[body.shrunk(15.0).contains(x, y, z)] = ChestTissue.SOFT_TISSUE
        if math.cos(2 * math.pi * z / _RIB_PITCH_MM) > 0.45:
            ring = body.shrunk(22.0).contains(x, y, z) & ~body.shrunk(30.0).contains(x, y, z)
            out[ring] = ChestTissue.BONE
        self._lungs(out, x, y, z)
        self._mediastinum(out, x, y, z)
        self._airways_and_vessels(out, x, y, z)
        return out

    def _lungs(self, out: LabelArray, x: FloatArray, y: FloatArray, z: float) -> None:
        fissure = _OBLIQUE_Z_AT_ANTERIOR + _OBLIQUE_SLOPE * (y + 60.0)
        lower = np.broadcast_to(z < fissure, out.shape)
        right = Ellipsoid((-72.0, 8.0, 10.0), (62.0, 88.0, 150.0)).contains(x, y, z)
        left = Ellipsoid((72.0, 8.0, 10.0), (60.0, 88.0, 150.0)).contains(x, y, z)
        upper_right = ChestTissue.RUL if z >= _HORIZONTAL_Z else ChestTissue.RML
        out[right] = np.where(lower, ChestTissue.RLL, upper_right)[right]
        out[left] = np.where(lower, ChestTissue.LLL, ChestTissue.LUL)[left]

    def _mediastinum(self, out: LabelArray, x: FloatArray, y: FloatArray, z: float) -> None:
        heart = Ellipsoid((22.0, -28.0, -70.0), (62.0, 55.0, 58.0))
        if abs(z + 70.0) < 58.0:
            out[heart.contains(x, y, z)] = ChestTissue.BLOOD
        out[Ellipsoid((0.0, 88.0, 0.0), (22.0, 20.0, _TALL)).contains(x, y, z)] = ChestTissue.BONE
        if z > -120.0:
            out[Ellipsoid((22.0, 58.0, 0.0), (13.0, 13.0, _TALL)).contains(x, y, z)] = (
                ChestTissue.BLOOD
            )

    def _airways_and_vessels(self, out: LabelArray, x: FloatArray, y: FloatArray, z: float) -> None:
        lung = np.isin(out, list(LUNG))
        for tube in self.vessels:
            _paint(out, x, y, z, tube, ChestTissue.BLOOD, within=lung)
        for tube in AIRWAYS:
            wall = Tube(tube.start_mm, tube.end_mm, tube.radius_mm + 1.5)
            _paint(out, x, y, z, wall, ChestTissue.SOFT_TISSUE, within=None)
        for tube in AIRWAYS:
            _paint(out, x, y, z, tube, ChestTissue.AIRWAY, within=None)

    @staticmethod
    def lobe_at(point: Vec3) -> ChestTissue | None:
        """The lobe a point lies in, ignoring vessels and airways; None outside the lungs."""
        label = int(
            ChestAnatomy().labels(np.array([[point[0]]]), np.array([[point[1]]]), point[2])[0, 0]
        )
        return ChestTissue(label) if label in LUNG else None


def _paint(
    out: LabelArray,
    x: FloatArray,
    y: FloatArray,
    z: float,
    tube: Tube,
    tissue: ChestTissue,
    within: NDArray[np.bool_] | None,
) -> None:
    """Label the tube's points on this plane, evaluating only its bounding window."""
    low, high = tube.z_range_mm()
    if not low <= z <= high:
        return
    (x0, x1), (y0, y1) = tube.xy_range_mm()
    cols = slice(*np.searchsorted(x[0], (x0, x1)))
    rows = slice(*np.searchsorted(y[:, 0], (y0, y1)))
    inside = tube.contains(x[:, cols], y[rows, :], z)
    if within is not None:
        inside &= within[rows, cols]
    out[rows, cols][inside] = tissue


_CARINA: Vec3 = (0.0, 10.0, 40.0)
_HILA: dict[str, Vec3] = {"right": (-48.0, 16.0, 18.0), "left": (46.0, 18.0, 14.0)}
AIRWAYS: tuple[Tube, ...] = (
    Tube((0.0, -5.0, 170.0), _CARINA, 9.0),
    Tube(_CARINA, _HILA["right"], 6.5),
    Tube(_CARINA, _HILA["left"], 5.5),
    Tube(_HILA["right"], (-75.0, -5.0, 80.0), 3.5),
    Tube(_HILA["right"], (-75.0, -40.0, -35.0), 3.0),
    Tube(_HILA["right"], (-80.0, 40.0, -60.0), 4.0),
    Tube(_HILA["left"], (72.0, -10.0, 70.0), 3.5),
    Tube(_HILA["left"], (78.0, 40.0, -60.0), 4.0),
)


def vessel_tree(rng: np.random.Generator, generations: int = 3) -> tuple[Tube, ...]:
    """Pulmonary vessels branching from each hilum, three ways per generation, tapering."""
    tubes: list[Tube] = []
    for side, hilum in _HILA.items():
        lateral = -1.0 if side == "right" else 1.0
        tips: list[tuple[Vec3, Vec3, float]] = [(hilum, (lateral, 0.0, 0.0), 6.0)]
        for _ in range(generations):
            grown: list[tuple[Vec3, Vec3, float]] = []
            for start, heading, radius in tips:
                for _ in range(3):
                    direction = np.asarray(heading) + rng.normal(0.0, 0.7, 3)
                    direction /= np.linalg.norm(direction)
                    end = _vec(np.asarray(start) + _BRANCH_MM * direction)
                    tubes.append(Tube(start, end, radius))
                    grown.append((end, _vec(direction), radius * 0.6))
            tips = grown
    return tuple(tubes)


def _vec(values: NDArray[np.float64]) -> Vec3:
    return float(values[0]), float(values[1]), float(values[2])


def chest_hu_lookup() -> NDArray[np.float32]:
    table = np.zeros(len(ChestTissue), dtype=np.float32)
    for tissue, hu in CHEST_HU.items():
        table[tissue] = hu
    return table
