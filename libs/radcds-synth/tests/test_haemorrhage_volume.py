"""The planted haemorrhage volume can be measured back from the written voxels.

Measurement, as a reader would make it: within a region of interest around the lesion (the
ground-truth mask grown by one voxel), count the voxels whose attenuation is nearer blood
than its neighbours - the half-way (full width at half maximum) rule for partial volume:
at least 50 HU (half-way from parenchyma, about 32 HU, to clot, 68 HU) and below 584 HU
(half-way from clot to bone, 1100 HU) - times the voxel volume. A 0.94 mm x 2.5 mm grid
(256 x 256 x 64) keeps the partial-volume shell thin enough for a 5% agreement.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pydicom
import pytest
from radcds_synth.geometry import SeriesSize
from radcds_synth.haemorrhage_sites import HaemorrhageSpec
from radcds_synth.head_ct import write_head_ct
from radcds_synth.identity import StudyIdentity, UidSource
from scipy.ndimage import binary_dilation

MEASUREMENT_GRID = SeriesSize(matrix=256, slices=64)
BLOOD_HU_RANGE = (50.0, 584.0)


def _identity(uids: UidSource) -> StudyIdentity:
    return StudyIdentity(
        family_name="Phantom",
        given_name="Volume",
        mrn="0000000001",
        birth_date=dt.date(1950, 1, 1),
        sex="other",
        accession_number="A0000000001",
        study_datetime=dt.datetime(2026, 2, 2, 10, 0, 0),
        study_uid=uids.uid("study"),
    )


def _hounsfield_volume(series: Path) -> tuple[np.ndarray, float]:
    datasets = [pydicom.dcmread(p) for p in sorted(series.glob("*.dcm"))]
    hu = np.stack(
        [d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in datasets]
    )
    spacing = [float(v) for v in datasets[0].PixelSpacing]
    voxel_ml = spacing[0] * spacing[1] * float(datasets[0].SliceThickness) / 1000.0
    return hu, voxel_ml


@pytest.mark.parametrize(
    "spec",
    [
        HaemorrhageSpec("intraparenchymal", 30.0, "supratentorial", "left"),
        HaemorrhageSpec("intraventricular", 25.0, "supratentorial", "right"),
        HaemorrhageSpec("subdural", 40.0, "supratentorial", "left"),
        HaemorrhageSpec("intraparenchymal", 12.0, "infratentorial", "right"),
        HaemorrhageSpec("subdural", 10.0, "infratentorial", "left"),
    ],
    ids=lambda s: f"{s.kind}-{s.compartment}-{s.volume_ml:g}ml",
)
def test_planted_volume_is_measured_back_within_5_percent(
    spec: HaemorrhageSpec, tmp_path: Path
) -> None:
    uids = UidSource(seed=2026, patient_index=0)
    truth = write_head_ct(tmp_path, _identity(uids), uids, size=MEASUREMENT_GRID, haemorrhage=spec)[
        "haemorrhage"
    ]
    hu, voxel_ml = _hounsfield_volume(tmp_path / "CT")
    roi = binary_dilation(np.load(tmp_path / truth["mask"]) > 0, iterations=1)
    blood = (hu >= BLOOD_HU_RANGE[0]) & (hu < BLOOD_HU_RANGE[1]) & roi
    measured_ml = float(blood.sum()) * voxel_ml
    assert truth["volume_ml"] == pytest.approx(spec.volume_ml, rel=0.01)
    assert measured_ml == pytest.approx(truth["volume_ml"], rel=0.05)
    assert truth["compartment"] == spec.compartment
    infratentorial = truth["centroid_mm"][2] < -20.0 and truth["centroid_mm"][1] > 0
    assert infratentorial == (spec.compartment == "infratentorial")


def test_intraventricular_extension_is_reported(tmp_path: Path) -> None:
    uids = UidSource(seed=7, patient_index=3)
    spec = HaemorrhageSpec("intraventricular", 20.0, "supratentorial", "left")
    truth = write_head_ct(tmp_path, _identity(uids), uids, haemorrhage=spec)["haemorrhage"]
    parts = truth["volume_by_part_ml"]
    assert truth["intraventricular_extension"] is True
    assert parts["intraventricular"] == pytest.approx(6.0, rel=0.05)
    assert sum(parts.values()) == pytest.approx(20.0, rel=0.01)
