"""Synthetic studies from `radcds_synth`, on a model's grid, with per-voxel truth.

The volume goes through the inference service's own preprocessing (radcds_inference.volume),
so the models are trained on exactly what the service will send them. Per-voxel truth comes
from the generator's ground truth: its lesion mask, and its anatomy evaluated at the centres
of the model-grid voxels (ventricles and the posterior fossa for the head, the lobes for the
chest).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from numpy.typing import NDArray
from radcds_inference.volume import GridMapping, hu_volume, to_model_grid
from radcds_synth.chest import LOBES, ChestAnatomy
from radcds_synth.cohort import FINDINGS, assign_findings, generate_patient, plan_patient
from radcds_synth.head import HeadAnatomy, HeadTissue


@dataclass(frozen=True)
class Study:
    truth: dict[str, Any]
    hu: NDArray[np.float32]
    lesion: NDArray[np.bool_]
    # Share of each model voxel that is lesion (the resampled truth mask).
    lesion_fraction: NDArray[np.float32]
    mapping: GridMapping
    # World (LPS mm) coordinates of each model voxel centre: [3, D, H, W].
    points: NDArray[np.float64]


def cohort(out: Path, seed: int, patients: int, mix: dict[str, float]) -> list[Path]:
    """The cohort `generate_cohort` would write for (seed, patients, mix); patients already on
    disk are kept, so an interrupted run resumes."""
    paths = []
    shares = {name: mix.get(name, 0.0) for name in FINDINGS}
    for index, finding in enumerate(assign_findings(patients, shares, seed)):  # type: ignore[arg-type]
        plan = plan_patient(seed, index, finding)
        directory = out / plan.directory_name
        if not (directory / "truth.json").exists():
            generate_patient(out, plan)
        paths.append(directory)
    return paths


def load(
    directory: Path, spacing: tuple[float, float, float], shape: tuple[int, int, int]
) -> Study:
    truth = json.loads((directory / "truth.json").read_text())
    datasets = [pydicom.dcmread(p) for p in sorted((directory / "CT").glob("*.dcm"))]
    volume = hu_volume(datasets)
    hu, mapping = to_model_grid(volume, spacing, shape)
    mask_name = (
        "haemorrhage_mask.npy" if truth["study"]["body_part"] == "HEAD" else "nodule_mask.npy"
    )
    fraction = np.zeros(shape, dtype=np.float32)
    if (directory / mask_name).exists():
        mask = volume.with_array(np.load(directory / mask_name).astype(np.float32))
        fraction = to_model_grid(mask, spacing, shape, fill_hu=0.0)[0]
    return Study(truth, hu, fraction >= 0.5, fraction, mapping, model_points(volume, mapping))


def model_points(volume: hd.Volume, mapping: GridMapping) -> NDArray[np.float64]:
    """LPS coordinates of the model grid's voxel centres (scipy zoom with grid_mode)."""
    axes = []
    for axis in range(3):
        m = np.arange(mapping.model_shape[axis]) + mapping.offset[axis]
        axes.append((m + 0.5) * mapping.model_spacing[axis] / volume.spacing[axis] - 0.5)
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    world = grid.reshape(-1, 3) @ (volume.affine[:3, :3]).T + volume.affine[:3, 3]
    return world.T.reshape(3, *mapping.model_shape)


def head_labels(study: Study) -> Iterator[tuple[int, NDArray[np.int8], NDArray[np.bool_]]]:
    """Per slice of the model grid: the anatomy's tissue labels and the posterior fossa."""
    anatomy = HeadAnatomy(scale=study.truth["anatomy"]["head_scale"])
    x, y, z = study.points
    for k in range(x.shape[0]):
        zk = float(z[k, 0, 0])
        yield k, anatomy.labels(x[k][:1, :], y[k][:, :1], zk), anatomy.infratentorial(y[k], zk)


def ventricles_and_fossa(study: Study) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    ventricles = np.zeros(study.hu.shape, dtype=bool)
    fossa = np.zeros(study.hu.shape, dtype=bool)
    for k, labels, below in head_labels(study):
        ventricles[k] = np.isin(labels, [HeadTissue.VENTRICLE, HeadTissue.FOURTH_VENTRICLE])
        fossa[k] = below
    return ventricles, fossa


def lobe_labels(study: Study) -> NDArray[np.int8]:
    """Index into sorted(LOBES) of each lung voxel, -1 elsewhere."""
    anatomy = ChestAnatomy()
    codes = {int(tissue): i for i, tissue in enumerate(LOBES[name] for name in sorted(LOBES))}
    out = np.full(study.hu.shape, -1, dtype=np.int8)
    x, y, z = study.points
    for k in range(x.shape[0]):
        labels = anatomy.labels(x[k][:1, :], y[k][:, :1], float(z[k, 0, 0]))
        for code, index in codes.items():
            out[k][labels == code] = index
    return out


# The training cohort: both models are trained from one cohort (seed 2026, 80 patients).
TRAINING_MIX = {"ich": 0.4, "nodule": 0.35, "normal": 0.25}


def body_part(directory: Path) -> str:
    return str(json.loads((directory / "truth.json").read_text())["study"]["body_part"])
