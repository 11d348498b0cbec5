"""Unenhanced chest CT studies with zero or more pulmonary nodules, and their truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from radcds_synth.chest import (
    LOBES,
    ChestAnatomy,
    ChestTissue,
    chest_hu_lookup,
    vessel_tree,
)
from radcds_synth.ct_series import Compression, CtProtocol, write_ct_series
from radcds_synth.geometry import TINY, SeriesGeometry, SeriesSize
from radcds_synth.head import LabelArray
from radcds_synth.identity import StudyIdentity, UidSource
from radcds_synth.render import Float32Array, ScanQuality
from radcds_synth.shapes import Ellipsoid, FloatArray, Vec3
from radcds_synth.truth import LesionTally, study_facts

CHEST_FIELD_OF_VIEW_MM = 360.0
CHEST_COVERAGE_MM = 320.0
CHEST_QUALITY = ScanQuality(noise_hu=12.0, psf_fwhm_mm=0.9)
Texture = Literal["solid", "part-solid"]
_PLACEMENT_TRIES = 2000


@dataclass(frozen=True)
class NoduleSpec:
    """A pulmonary nodule to plant: mean diameter in mm, lobe name (see `LOBES`), texture."""

    diameter_mm: float
    lobe: str
    texture: Texture = "solid"
    solid_fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.lobe not in LOBES:
            raise ValueError(f"unknown lobe {self.lobe!r}; expected one of {sorted(LOBES)}")
        if not 3.0 <= self.diameter_mm <= 30.0:
            raise ValueError(f"nodule diameter {self.diameter_mm} mm is outside 3-30 mm")


@dataclass(frozen=True)
class PlacedNodule:
    spec: NoduleSpec
    centre_mm: Vec3

    @property
    def radius_mm(self) -> float:
        return self.spec.diameter_mm / 2.0

    @property
    def solid_radius_mm(self) -> float:
        if self.spec.texture == "solid":
            return self.radius_mm
        return self.radius_mm * self.spec.solid_fraction


@dataclass(frozen=True)
class ChestPhantom:
    """A chest with nodules; satisfies `render.Phantom`."""

    anatomy: ChestAnatomy
    nodules: tuple[PlacedNodule, ...] = ()

    @property
    def hu_by_label(self) -> Float32Array:
        return chest_hu_lookup()

    @property
    def lesion_labels(self) -> frozenset[int]:
        return frozenset({ChestTissue.SOLID_NODULE, ChestTissue.GROUND_GLASS})

    def labels(self, x: FloatArray, y: FloatArray, z: float) -> LabelArray:
        labels = self.anatomy.labels(x, y, z)
        for nodule in self.nodules:
            c = nodule.centre_mm
            if abs(z - c[2]) > nodule.radius_mm:
                continue
            outer = Ellipsoid(c, (nodule.radius_mm,) * 3)
            labels[outer.contains(x, y, z)] = ChestTissue.GROUND_GLASS
            core = Ellipsoid(c, (nodule.solid_radius_mm,) * 3)
            labels[core.contains(x, y, z)] = ChestTissue.SOLID_NODULE
        return labels


def place_nodule(spec: NoduleSpec, rng: np.random.Generator) -> PlacedNodule:
    """A centre inside the lobe, with the whole nodule and a 5 mm margin inside it too."""
    lobe = LOBES[spec.lobe]
    reach = spec.diameter_mm / 2.0 + 5.0
    offsets = [(dx, dy, dz) for dx, dy, dz in np.eye(3) * reach] + [
        (-dx, -dy, -dz) for dx, dy, dz in np.eye(3) * reach
    ]
    for _ in range(_PLACEMENT_TRIES):
        x = float(rng.uniform(-130, 130))
        centre = (x, float(rng.uniform(-80, 95)), float(rng.uniform(-130, 150)))
        probes = [(centre[0] + a, centre[1] + b, centre[2] + c) for a, b, c in offsets]
        if all(ChestAnatomy.lobe_at(p) == lobe for p in [centre, *probes]):
            return PlacedNodule(spec, centre)
    raise ValueError(f"no room for a {spec.diameter_mm} mm nodule in the {spec.lobe}")


def chest_geometry(size: SeriesSize) -> SeriesGeometry:
    return SeriesGeometry(size, CHEST_FIELD_OF_VIEW_MM, CHEST_COVERAGE_MM)


def chest_protocol(geometry: SeriesGeometry) -> CtProtocol:
    return CtProtocol(
        body_part="CHEST",
        study_description="CT CHEST WO CONTRAST",
        series_description=f"Axial {geometry.slice_thickness_mm:.3g}mm Lung",
        protocol_name="Routine Chest",
        kernel="B60f",
        window_centre=-600,
        window_width=1500,
        window_name="LUNG",
        quality=CHEST_QUALITY,
        ctdi_vol_mgy=8.0,
    )


def write_chest_ct(
    directory: Path,
    identity: StudyIdentity,
    uids: UidSource,
    *,
    size: SeriesSize = TINY,
    nodules: Sequence[NoduleSpec] = (),
    compression: Compression = "none",
    on_slice: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write a chest CT series into `directory/CT` and return its ground truth."""
    rng = np.random.default_rng([uids.seed, uids.patient_index, 2])
    geometry = chest_geometry(size)
    directory.mkdir(parents=True, exist_ok=True)
    placed = tuple(place_nodule(spec, rng) for spec in nodules)
    phantom = ChestPhantom(ChestAnatomy(vessel_tree(rng)), placed)
    tally = LesionTally(geometry, directory / "nodule_mask.npy" if placed else None)
    protocol = chest_protocol(geometry)
    series = write_ct_series(
        directory / "CT", phantom, geometry, protocol, identity, uids, compression
    )
    tally.follow(series, on_slice)
    return {
        "study": study_facts(protocol, geometry, uids.uid("series/ct"), compression),
        "nodules": [_nodule_truth(n, geometry) for n in placed],
        "nodule_voxels": {"mask": "nodule_mask.npy", **tally.summary()} if placed else None,
    }


def _nodule_truth(nodule: PlacedNodule, geometry: SeriesGeometry) -> dict[str, Any]:
    x, y, z = nodule.centre_mm
    first_x, first_y, _ = geometry.origin_mm(0)
    bottom = geometry.slice_z_mm(0) - geometry.slice_thickness_mm / 2
    return {
        "centre_voxel": {
            "instance_number": int((z - bottom) // geometry.slice_thickness_mm) + 1,
            "row": round((y - first_y) / geometry.pixel_spacing_mm),
            "column": round((x - first_x) / geometry.pixel_spacing_mm),
        },
        "diameter_mm": nodule.spec.diameter_mm,
        "lobe": nodule.spec.lobe,
        "texture": nodule.spec.texture,
        "solid_component_mm": round(2 * nodule.solid_radius_mm, 2),
        "centre_mm": [round(v, 2) for v in nodule.centre_mm],
        "attenuation_hu": {"solid": 30.0, "ground_glass": -550.0},
    }
