"""An adult head for non-contrast CT: scalp, skull, CSF, grey and white matter, deep grey
nuclei, cerebellum, brainstem and ventricles, as tissue labels with Hounsfield units.

Attenuation values are typical unenhanced adult values (grey matter 35-40 HU, white matter
25-30 HU, CSF 0-10 HU, acute clotted blood 60-80 HU; e.g. Lev & Gonzalez, "CT angiography
and CT perfusion imaging", in Brain Mapping: The Methods, 2002, and standard neuroradiology
texts). The anatomy is schematic: ellipsoids sized to an adult skull.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from radcds_synth.shapes import BoolArray, Ellipsoid, FloatArray

LabelArray = NDArray[np.int8]


class HeadTissue(IntEnum):
    AIR = 0
    SCALP = 1
    BONE = 2
    CSF = 3
    GREY = 4
    WHITE = 5
    DEEP_GREY = 6
    CEREBELLUM = 7
    BRAINSTEM = 8
    VENTRICLE = 9
    FOURTH_VENTRICLE = 10
    BLOOD = 11


HEAD_HU: dict[HeadTissue, float] = {
    HeadTissue.AIR: -1000.0,
    HeadTissue.SCALP: 20.0,
    HeadTissue.BONE: 1100.0,
    HeadTissue.CSF: 8.0,
    HeadTissue.GREY: 38.0,
    HeadTissue.WHITE: 28.0,
    HeadTissue.DEEP_GREY: 36.0,
    HeadTissue.CEREBELLUM: 37.0,
    HeadTissue.BRAINSTEM: 32.0,
    HeadTissue.VENTRICLE: 6.0,
    HeadTissue.FOURTH_VENTRICLE: 6.0,
    HeadTissue.BLOOD: 68.0,
}

PARENCHYMA = frozenset(
    {
        HeadTissue.GREY,
        HeadTissue.WHITE,
        HeadTissue.DEEP_GREY,
        HeadTissue.CEREBELLUM,
        HeadTissue.BRAINSTEM,
    }
)
INTRACRANIAL = PARENCHYMA | {HeadTissue.CSF, HeadTissue.VENTRICLE, HeadTissue.FOURTH_VENTRICLE}

_SCALP_MM = 5.0
_SKULL_MM = 7.0
_SUBARACHNOID_MM = 2.5
_CORTEX_MM = 4.0
# The tentorium, simplified to the posterior fossa below this plane and behind the clivus.
TENTORIUM_Z_MM = -24.0
CLIVUS_Y_MM = 5.0


@dataclass(frozen=True)
class HeadAnatomy:
    """The head of one patient; `scale` (about 0.9-1.1) varies skull size between patients."""

    scale: float = 1.0

    def _solid(
        self, centre: tuple[float, float, float], axes: tuple[float, float, float]
    ) -> Ellipsoid:
        s = self.scale
        return Ellipsoid(
            (centre[0] * s, centre[1] * s, centre[2] * s), (axes[0] * s, axes[1] * s, axes[2] * s)
        )

    @property
    def scalp(self) -> Ellipsoid:
        return self._solid((0.0, 0.0, 0.0), (76.0, 96.0, 86.0))

    @property
    def inner_table(self) -> Ellipsoid:
        """The inside of the skull: the boundary of the intracranial space."""
        return self.scalp.shrunk((_SCALP_MM + _SKULL_MM) * self.scale)

    def _layers(self) -> list[tuple[Ellipsoid, HeadTissue]]:
        brain = self.inner_table.shrunk(_SUBARACHNOID_MM * self.scale)
        return [
            (self.scalp, HeadTissue.SCALP),
            (self.scalp.shrunk(_SCALP_MM * self.scale), HeadTissue.BONE),
            (self.inner_table, HeadTissue.CSF),
            (brain, HeadTissue.GREY),
            (brain.shrunk(_CORTEX_MM * self.scale), HeadTissue.WHITE),
        ]

    def _nuclei(self) -> list[tuple[Ellipsoid, HeadTissue]]:
        putamen = self._solid((22.0, 0.0, 6.0), (8.0, 15.0, 10.0))
        thalamus = self._solid((10.0, 14.0, 8.0), (7.0, 11.0, 8.0))
        ventricle = self._solid((11.0, 6.0, 22.0), (6.0, 30.0, 9.0))
        return [
            (self._solid((0.0, 45.0, -48.0), (52.0, 32.0, 24.0)), HeadTissue.CEREBELLUM),
            (self._solid((0.0, 18.0, -40.0), (13.0, 13.0, 32.0)), HeadTissue.BRAINSTEM),
            (putamen, HeadTissue.DEEP_GREY),
            (putamen.mirrored_x(), HeadTissue.DEEP_GREY),
            (thalamus, HeadTissue.DEEP_GREY),
            (thalamus.mirrored_x(), HeadTissue.DEEP_GREY),
            (ventricle, HeadTissue.VENTRICLE),
            (ventricle.mirrored_x(), HeadTissue.VENTRICLE),
            (self._solid((0.0, 8.0, 2.0), (2.5, 12.0, 9.0)), HeadTissue.VENTRICLE),
            (self._solid((0.0, 30.0, -42.0), (6.0, 4.0, 8.0)), HeadTissue.FOURTH_VENTRICLE),
        ]

    def labels(self, x: FloatArray, y: FloatArray, z: float) -> LabelArray:
        """Tissue at each point of a broadcast (y, x) grid on the plane at height z."""
        shape = np.broadcast_shapes(x.shape, y.shape)
        out = np.zeros(shape, dtype=np.int8)
        for solid, tissue in self._layers():
            if abs(z - solid.centre_mm[2]) < solid.axes_mm[2]:
                out[solid.contains(x, y, z)] = tissue
        brain = out >= HeadTissue.GREY
        for solid, tissue in self._nuclei():
            if abs(z - solid.centre_mm[2]) < solid.axes_mm[2]:
                out[solid.contains(x, y, z) & brain] = tissue
        return out

    def infratentorial(self, y: FloatArray, z: float) -> BoolArray:
        """The posterior fossa: below the tentorium and behind the clivus."""
        below: BoolArray = (y > CLIVUS_Y_MM * self.scale) & (z < TENTORIUM_Z_MM * self.scale)
        return below

    def z_range_mm(self) -> tuple[float, float]:
        """Inferior and superior limits of the intracranial space."""
        inner = self.inner_table
        return inner.centre_mm[2] - inner.axes_mm[2], inner.centre_mm[2] + inner.axes_mm[2]


def hu_lookup() -> NDArray[np.float32]:
    """Hounsfield units indexed by `HeadTissue` value."""
    table = np.zeros(len(HeadTissue), dtype=np.float32)
    for tissue, hu in HEAD_HU.items():
        table[tissue] = hu
    return table
