"""Planted nodules sit in their lobe, at their size, with their texture."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pydicom
import pytest
from radcds_synth.chest import LOBES, ChestAnatomy
from radcds_synth.chest_ct import NoduleSpec, write_chest_ct
from radcds_synth.geometry import SeriesSize
from radcds_synth.identity import StudyIdentity, UidSource

GRID = SeriesSize(matrix=256, slices=64)


def _identity(uids: UidSource) -> StudyIdentity:
    return StudyIdentity(
        family_name="Phantom",
        given_name="Nodule",
        mrn="0000000003",
        birth_date=dt.date(1955, 5, 5),
        sex="male",
        accession_number="A0000000003",
        study_datetime=dt.datetime(2026, 2, 3, 11, 0, 0),
        study_uid=uids.uid("study"),
    )


def _hu_at(series: Path, centre: list[float]) -> float:
    for path in sorted(series.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        thickness = float(ds.SliceThickness)
        if abs(float(ds.ImagePositionPatient[2]) - centre[2]) <= thickness / 2:
            x0, y0 = (float(v) for v in ds.ImagePositionPatient[:2])
            spacing = float(ds.PixelSpacing[0])
            row, col = round((centre[1] - y0) / spacing), round((centre[0] - x0) / spacing)
            return float(ds.pixel_array[row, col]) + float(ds.RescaleIntercept)
    raise AssertionError("no slice through the nodule centre")


def test_nodules_are_in_their_lobe_at_their_size(tmp_path: Path) -> None:
    uids = UidSource(seed=31, patient_index=0)
    specs = [
        NoduleSpec(14.0, "right upper lobe", "solid"),
        NoduleSpec(16.0, "left lower lobe", "part-solid", solid_fraction=0.4),
    ]
    truth = write_chest_ct(tmp_path, _identity(uids), uids, size=GRID, nodules=specs)
    planted = truth["nodules"]
    sphere_ml = sum(math.pi / 6 * n["diameter_mm"] ** 3 / 1000 for n in planted)
    assert truth["nodule_voxels"]["volume_ml"] == pytest.approx(sphere_ml, rel=0.03)
    for nodule in planted:
        assert ChestAnatomy.lobe_at(tuple(nodule["centre_mm"])) == LOBES[nodule["lobe"]]
    assert _hu_at(tmp_path / "CT", planted[0]["centre_mm"]) > -100
    x, y, z = planted[1]["centre_mm"]
    halo = (planted[1]["diameter_mm"] + planted[1]["solid_component_mm"]) / 4
    core_hu = _hu_at(tmp_path / "CT", [x, y, z])
    glass_hu = _hu_at(tmp_path / "CT", [x + halo, y, z])
    assert core_hu > -300
    assert -750 < glass_hu < -350
    assert planted[1]["solid_component_mm"] == pytest.approx(6.4)
    mask = np.load(tmp_path / "nodule_mask.npy")
    for nodule in planted:
        voxel = nodule["centre_voxel"]
        assert mask[voxel["instance_number"] - 1, voxel["row"], voxel["column"]] == 1
