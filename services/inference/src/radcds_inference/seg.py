"""A finding's mask as a DICOM Segmentation (highdicom) referencing the source CT images.

UIDs are derived from the job and the model, so a job run twice produces the same SEG
instance, which ingestion stores once.
"""

from __future__ import annotations

from collections.abc import Sequence

import highdicom as hd
import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from radcds_inference.model_config import ModelSpec

SEGMENTED = {"haemorrhage": codes.SCT.Hemorrhage, "nodule": codes.SCT.Nodule}


def plane_order(
    volume: hd.Volume, datasets: Sequence[pydicom.Dataset]
) -> list[tuple[int, bool, bool]]:
    """For each dataset: its slice index in `volume` and whether its rows and columns run
    opposite to the volume's axes."""
    order = []
    for ds in datasets:
        first = np.array([[float(v) for v in ds.ImagePositionPatient]])
        k, i, j = (
            round(float(v)) for v in volume.map_reference_to_indices(first, round_output=False)[0]
        )
        order.append((k, i != 0, j != 0))
    return order


def build_seg(
    spec: ModelSpec,
    job_id: str,
    volume: hd.Volume,
    datasets: Sequence[pydicom.Dataset],
    mask: NDArray[np.bool_],
) -> hd.seg.Segmentation:
    """`mask` is on the grid of `volume` (the series in HPL orientation)."""
    frames = []
    for k, flip_rows, flip_cols in plane_order(volume, datasets):
        frame = mask[k]
        frame = frame[::-1] if flip_rows else frame
        frames.append(frame[:, ::-1] if flip_cols else frame)
    algorithm = hd.AlgorithmIdentificationSequence(
        name=spec.name, version=spec.version, family=codes.DCM.ArtificialIntelligence
    )
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label=f"{spec.kind} (AI, not for clinical use)"[:64]
        if not spec.clinical_use
        else spec.kind,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=SEGMENTED[spec.kind],
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=algorithm,
    )
    return hd.seg.Segmentation(
        source_images=list(datasets),
        pixel_array=np.stack(frames).astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description],
        series_instance_uid=generate_uid(entropy_srcs=[job_id, spec.name, "seg-series"]),
        series_number=9000,
        sop_instance_uid=generate_uid(entropy_srcs=[job_id, spec.name, "seg"]),
        instance_number=1,
        manufacturer="radcds",
        manufacturer_model_name=spec.name,
        software_versions=spec.version,
        device_serial_number=spec.version,
        series_description=f"AI {spec.kind} mask ({spec.name} {spec.version})"[:64],
        omit_empty_frames=True,
    )
