"""From a model's output tensors to findings: masks, volumes, locations, nodules.

The thresholds and label names come from the model's config.pbtxt parameters (see
`model_config.ModelSpec`), never from here: a site's own model brings its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped]

from radcds_inference.model_config import ModelSpec

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

STAT, URGENT, ROUTINE = "stat", "urgent", "routine"


@dataclass(frozen=True)
class HaemorrhageFinding:
    probability: float
    present: bool
    mask: BoolArray
    volume_ml: float
    compartment: str | None
    intraventricular: bool
    key_slice: int | None

    @property
    def priority(self) -> str:
        return STAT if self.present else ROUTINE


@dataclass(frozen=True)
class Nodule:
    diameter_mm: float
    volume_ml: float
    lobe: str
    texture: str
    key_slice: int
    # Centroid in model-grid voxel indices (slice, row, column).
    centroid: tuple[float, float, float]


@dataclass(frozen=True)
class NoduleFinding:
    probability: float
    present: bool
    mask: BoolArray
    nodules: tuple[Nodule, ...]

    @property
    def priority(self) -> str:
        return URGENT if any(n.diameter_mm >= 8.0 for n in self.nodules) else ROUTINE


def key_slice(mask: BoolArray) -> int | None:
    """The slice (axis 0) with the most mask voxels."""
    counts = mask.reshape(mask.shape[0], -1).sum(axis=1)
    return int(np.argmax(counts)) if counts.any() else None


def haemorrhage(
    probability: float,
    mask_probability: FloatArray,
    location: FloatArray,
    voxel_ml: float,
    threshold: float,
    mask_threshold: float,
    location_labels: tuple[str, str],
) -> HaemorrhageFinding:
    """`location` channels: [intraventricular, infratentorial] probabilities per voxel."""
    present = probability >= threshold
    mask = (
        (mask_probability >= mask_threshold) if present else np.zeros_like(mask_probability, bool)
    )
    volume = float(mask.sum()) * voxel_ml
    compartment, intraventricular = None, False
    if mask.any():
        infratentorial = float(location[1][mask].mean()) >= 0.5
        compartment = location_labels[1] if infratentorial else location_labels[0]
        intraventricular = float((location[0][mask] >= 0.5).sum()) * voxel_ml >= 0.5
    return HaemorrhageFinding(
        probability, bool(present), mask, volume, compartment, intraventricular, key_slice(mask)
    )


def nodules(
    mask_probability: FloatArray,
    lobe_probability: FloatArray,
    hu: FloatArray,
    spacing: tuple[float, float, float],
    mask_threshold: float,
    lobe_labels: tuple[str, ...],
    solid_hu: float,
    solid_fraction: float,
    min_volume_ml: float,
) -> NoduleFinding:
    """Connected components of the mask, each measured; the study probability is the largest
    component's peak probability."""
    voxel_ml = float(np.prod(spacing)) / 1000.0
    labels, count = ndimage.label(mask_probability >= mask_threshold)
    found, peak = [], 0.0
    keep = np.zeros(labels.shape, dtype=bool)
    for index in range(1, count + 1):
        component = labels == index
        soft_ml = float(mask_probability[component].sum()) * voxel_ml
        if soft_ml < min_volume_ml:
            continue
        keep |= component
        peak = max(peak, float(mask_probability[component].max()))
        found.append(
            _measure(
                component, soft_ml, lobe_probability, hu, lobe_labels, solid_hu, solid_fraction
            )
        )
    found.sort(key=lambda n: -n.diameter_mm)
    return NoduleFinding(peak, bool(found), keep, tuple(found))


def _measure(
    component: BoolArray,
    volume_ml: float,
    lobe_probability: FloatArray,
    hu: FloatArray,
    lobe_labels: tuple[str, ...],
    solid_hu: float,
    solid_fraction: float,
) -> Nodule:
    # Diameter of the sphere of the same volume: robust on anisotropic grids.
    diameter = float((6.0 * volume_ml * 1000.0 / np.pi) ** (1.0 / 3.0))
    lobe = lobe_labels[int(np.argmax(lobe_probability[:, component].mean(axis=1)))]
    dense = float((hu[component] >= solid_hu).mean())
    texture = "solid" if dense >= solid_fraction else "part-solid"
    centroid = tuple(float(c) for c in ndimage.center_of_mass(component))
    return Nodule(
        round(diameter, 1),
        volume_ml,
        lobe,
        texture,
        round(centroid[0]),
        centroid,  # type: ignore[arg-type]
    )


Finding = HaemorrhageFinding | NoduleFinding


def read_outputs(
    spec: ModelSpec, hu: FloatArray, outputs: dict[str, NDArray[np.float32]]
) -> Finding:
    """One study's output tensors (batch axis removed) as a finding of the model's kind."""
    probability = float(np.asarray(outputs[spec.probability_output]).reshape(-1)[0])
    mask_probability = np.asarray(outputs[spec.mask_output]).reshape(spec.input_shape)
    location = np.asarray(outputs[spec.location_output])
    voxel_ml = float(np.prod(spec.spacing_mm)) / 1000.0
    if spec.kind == "haemorrhage":
        labels = (spec.location_labels[0], spec.location_labels[1])
        return haemorrhage(
            probability,
            mask_probability,
            location,
            voxel_ml,
            spec.threshold,
            spec.mask_threshold,
            labels,
        )
    return nodules(
        mask_probability,
        location,
        hu,
        spec.spacing_mm,
        spec.mask_threshold,
        spec.location_labels,
        solid_hu=spec.number("radcds.solid_hu", -300.0),
        solid_fraction=spec.number("radcds.solid_fraction", 0.5),
        min_volume_ml=spec.number("radcds.min_volume_ml", 0.0),
    )
