"""Where a haemorrhage of each kind goes, and how its volume is split between its parts.

Sites follow where spontaneous haemorrhage usually arises: putamen, thalamus and lobar white
matter above the tentorium, the cerebellar hemisphere below it (Qureshi et al., N Engl J Med
2001;344:1450-60). Intraventricular extension is modelled from a thalamic (or paravermian)
clot that also layers in the ventricles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radcds_synth.geometry import SeriesGeometry
from radcds_synth.haemorrhage import (
    BleedPart,
    Compartment,
    Crescent,
    FluidLevel,
    HaemorrhageKind,
    LobulatedEllipsoid,
    Side,
    fit_part,
)
from radcds_synth.head import PARENCHYMA, HeadAnatomy, HeadTissue
from radcds_synth.shapes import Ellipsoid, Vec3, rotation_from_angles

_SUPRATENTORIAL_SITES: dict[str, Vec3] = {
    "putamen": (22.0, 0.0, 6.0),
    "thalamus": (10.0, 14.0, 8.0),
    "frontal lobe": (30.0, -42.0, 30.0),
    "parietal lobe": (32.0, 30.0, 38.0),
}
_INFRATENTORIAL_SITES: dict[str, Vec3] = {"cerebellar hemisphere": (24.0, 48.0, -46.0)}
_IVH_SITES: dict[Compartment, tuple[str, Vec3]] = {
    "supratentorial": ("thalamus", (12.0, 10.0, 14.0)),
    "infratentorial": ("cerebellar vermis", (8.0, 38.0, -42.0)),
}
# The share of an intraventricular bleed that lies in the ventricles, and at most how full
# the ventricles of that compartment may get.
_IVH_SHARE = 0.3
_IVH_MAX_FILL = 0.5


@dataclass(frozen=True)
class HaemorrhageSpec:
    """What to plant: the kind, the total volume in mL, the compartment and the side."""

    kind: HaemorrhageKind
    volume_ml: float
    compartment: Compartment = "supratentorial"
    side: Side = "right"

    def __post_init__(self) -> None:
        if not 0.5 <= self.volume_ml <= 150.0:
            raise ValueError(f"haemorrhage volume {self.volume_ml} mL is outside 0.5-150 mL")


@dataclass(frozen=True)
class PlantedHaemorrhage:
    """The fitted parts of a bleed and the anatomical site it was placed at."""

    spec: HaemorrhageSpec
    site: str
    parts: tuple[BleedPart, ...]


def plant_haemorrhage(
    spec: HaemorrhageSpec,
    anatomy: HeadAnatomy,
    geometry: SeriesGeometry,
    rng: np.random.Generator,
) -> PlantedHaemorrhage:
    """Place `spec` in `anatomy` and fit each part to its share of the volume."""
    site, shares = _parts_for(spec, anatomy, rng)
    parts = tuple(fit_part(part, anatomy, geometry, ml) for part, ml in shares)
    return PlantedHaemorrhage(spec=spec, site=site, parts=parts)


def _parts_for(
    spec: HaemorrhageSpec, anatomy: HeadAnatomy, rng: np.random.Generator
) -> tuple[str, list[tuple[BleedPart, float]]]:
    if spec.kind == "subdural":
        return "convexity", [(_subdural(spec, anatomy), spec.volume_ml)]
    if spec.kind == "intraparenchymal":
        sites = (
            _SUPRATENTORIAL_SITES if spec.compartment == "supratentorial" else _INFRATENTORIAL_SITES
        )
        name = sorted(sites)[int(rng.integers(len(sites)))]
        clot = _clot(spec, anatomy, sites[name], spec.volume_ml, rng)
        return name, [(clot, spec.volume_ml)]
    name, centre = _IVH_SITES[spec.compartment]
    ventricular_ml = min(_IVH_SHARE * spec.volume_ml, _IVH_MAX_FILL * _capacity(spec, anatomy))
    clot = _clot(spec, anatomy, centre, spec.volume_ml - ventricular_ml, rng)
    low, high = anatomy.z_range_mm()
    layer = BleedPart(
        name="intraventricular",
        extent=FluidLevel(low, high),
        tissues=_ventricles(spec.compartment),
        compartment=spec.compartment,
        side=None,
    )
    return name, [(clot, spec.volume_ml - ventricular_ml), (layer, ventricular_ml)]


def _clot(
    spec: HaemorrhageSpec,
    anatomy: HeadAnatomy,
    site: Vec3,
    volume_ml: float,
    rng: np.random.Generator,
) -> BleedPart:
    mirror = 1.0 if spec.side == "left" else -1.0
    centre = (mirror * site[0] * anatomy.scale, site[1] * anatomy.scale, site[2] * anatomy.scale)
    angles = rng.uniform(-math.pi, math.pi, size=3)
    axes = (1.0, float(rng.uniform(0.7, 1.0)), float(rng.uniform(0.6, 0.9)))
    lobes = tuple(
        (_unit(rng), float(rng.uniform(0.04, 0.1)), float(rng.uniform(0, 2 * math.pi)))
        for _ in range(3)
    )
    equivalent_radius_mm = 10.0 * (3.0 * volume_ml / (4.0 * math.pi)) ** (1.0 / 3.0)
    shape = Ellipsoid(centre, axes, rotation_from_angles(*angles))
    extent = LobulatedEllipsoid(shape, lobes, reach_mm=3.0 * equivalent_radius_mm + 10.0)
    return BleedPart(
        name="intraparenchymal",
        extent=extent,
        tissues=frozenset(PARENCHYMA),
        compartment=spec.compartment,
        side=spec.side,
    )


def _subdural(spec: HaemorrhageSpec, anatomy: HeadAnatomy) -> BleedPart:
    lateral = 1.0 if spec.side == "left" else -1.0
    if spec.compartment == "supratentorial":
        towards = (lateral * 0.94, -0.2, 0.28)
    else:
        towards = (lateral * 0.5, 0.6, -0.62)
    crescent = Crescent(anatomy.inner_table, towards=towards)
    tissues = {HeadTissue.CSF, HeadTissue.GREY, HeadTissue.WHITE, HeadTissue.CEREBELLUM}
    return BleedPart(
        name="subdural",
        extent=crescent,
        tissues=frozenset(tissues),
        compartment=spec.compartment,
        side=spec.side,
    )


def _ventricles(compartment: Compartment) -> frozenset[int]:
    if compartment == "supratentorial":
        return frozenset({HeadTissue.VENTRICLE})
    return frozenset({HeadTissue.FOURTH_VENTRICLE})


def _capacity(spec: HaemorrhageSpec, anatomy: HeadAnatomy) -> float:
    """Approximate volume in mL of the ventricles that can take blood in the compartment."""
    supra_ml, fourth_ml = 14.7, 0.8
    base = supra_ml if spec.compartment == "supratentorial" else fourth_ml
    return float(base * anatomy.scale**3)


def _unit(rng: np.random.Generator) -> Vec3:
    v = rng.standard_normal(3)
    v /= np.linalg.norm(v)
    return float(v[0]), float(v[1]), float(v[2])
