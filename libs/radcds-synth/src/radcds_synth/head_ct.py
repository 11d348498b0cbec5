"""Non-contrast head CT studies, with or without a planted haemorrhage, and their truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radcds_synth.ct_series import Compression, CtProtocol, write_ct_series
from radcds_synth.geometry import TINY, SeriesGeometry, SeriesSize
from radcds_synth.haemorrhage_sites import HaemorrhageSpec, PlantedHaemorrhage, plant_haemorrhage
from radcds_synth.head import HEAD_HU, HeadAnatomy, HeadTissue, LabelArray, hu_lookup
from radcds_synth.identity import StudyIdentity, UidSource
from radcds_synth.render import Float32Array, ScanQuality
from radcds_synth.shapes import FloatArray
from radcds_synth.truth import LesionTally, study_facts

HEAD_FIELD_OF_VIEW_MM = 240.0
HEAD_COVERAGE_MM = 160.0
# Typical adult routine head CT: about 3-4 HU noise at 5 mm in brain, a soft-tissue kernel.
HEAD_QUALITY = ScanQuality(noise_hu=3.5, psf_fwhm_mm=1.0)
ICH_HU_RANGE = (50.0, 100.0)


@dataclass(frozen=True)
class HeadPhantom:
    """A head, optionally with a fitted haemorrhage; satisfies `render.Phantom`."""

    anatomy: HeadAnatomy
    bleed: PlantedHaemorrhage | None = None

    @property
    def hu_by_label(self) -> Float32Array:
        return hu_lookup()

    @property
    def lesion_labels(self) -> frozenset[int]:
        return frozenset({HeadTissue.BLOOD})

    def labels(self, x: FloatArray, y: FloatArray, z: float) -> LabelArray:
        labels = self.anatomy.labels(x, y, z)
        if self.bleed is None:
            return labels
        masks = [part.contains(self.anatomy, labels, x, y, z) for part in self.bleed.parts]
        for mask in masks:
            labels[mask] = HeadTissue.BLOOD
        return labels


def head_geometry(size: SeriesSize) -> SeriesGeometry:
    return SeriesGeometry(size, HEAD_FIELD_OF_VIEW_MM, HEAD_COVERAGE_MM)


def head_protocol(geometry: SeriesGeometry) -> CtProtocol:
    return CtProtocol(
        body_part="HEAD",
        study_description="CT HEAD WO CONTRAST",
        series_description=f"Axial {geometry.slice_thickness_mm:.3g}mm Brain",
        protocol_name="Routine Head",
        kernel="H30s",
        window_centre=40,
        window_width=80,
        window_name="BRAIN",
        quality=HEAD_QUALITY,
        ctdi_vol_mgy=55.0,
        ctdi_phantom=("113691", "IEC Head Dosimetry Phantom"),
    )


def write_head_ct(
    directory: Path,
    identity: StudyIdentity,
    uids: UidSource,
    *,
    size: SeriesSize = TINY,
    haemorrhage: HaemorrhageSpec | None = None,
    compression: Compression = "none",
    on_slice: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write a head CT series into `directory/CT` and return its ground truth."""
    rng = np.random.default_rng([uids.seed, uids.patient_index, 1])
    geometry = head_geometry(size)
    directory.mkdir(parents=True, exist_ok=True)
    anatomy = HeadAnatomy(scale=float(rng.uniform(0.94, 1.04)))
    bleed = None
    if haemorrhage is not None:
        bleed = plant_haemorrhage(haemorrhage, anatomy, geometry, rng)
    phantom = HeadPhantom(anatomy, bleed)
    tally = LesionTally(geometry, directory / "haemorrhage_mask.npy" if bleed else None)
    protocol = head_protocol(geometry)
    series = write_ct_series(
        directory / "CT", phantom, geometry, protocol, identity, uids, compression
    )
    tally.follow(series, on_slice)
    return {
        "study": study_facts(protocol, geometry, uids.uid("series/ct"), compression),
        "anatomy": {"head_scale": round(anatomy.scale, 4)},
        "haemorrhage": _haemorrhage_truth(bleed, tally),
    }


def _haemorrhage_truth(bleed: PlantedHaemorrhage | None, tally: LesionTally) -> dict[str, Any]:
    if bleed is None:
        return {"present": False}
    volumes = {part.name: round(part.volume_ml, 4) for part in bleed.parts}
    spec = bleed.spec
    return {
        "present": True,
        "kind": spec.kind,
        "site": bleed.site,
        "compartment": spec.compartment,
        "side": spec.side,
        "requested_volume_ml": spec.volume_ml,
        "volume_by_part_ml": volumes,
        "intraventricular_extension": volumes.get("intraventricular", 0.0) > 0.0,
        "attenuation_hu": HEAD_HU[HeadTissue.BLOOD],
        "measurement_hu_range": list(ICH_HU_RANGE),
        "mask": "haemorrhage_mask.npy",
        "mask_rule": "1 where at least half the voxel is haemorrhage; axes slice,row,column",
        **tally.summary(),
    }
