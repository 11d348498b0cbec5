"""RLE Lossless and JPEG 2000 Lossless carry exactly the uncompressed pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from radcds_synth.cohort import generate_patient, plan_patient


@pytest.mark.parametrize(
    ("compression", "syntax"),
    [("rle", "1.2.840.10008.1.2.5"), ("jpeg2000", "1.2.840.10008.1.2.4.90")],
)
def test_compressed_series_decode_to_the_uncompressed_pixels(
    tmp_path: Path, compression: str, syntax: str
) -> None:
    plan = plan_patient(seed=8, index=0, finding="ich")
    generate_patient(tmp_path / "none", plan)
    generate_patient(tmp_path / compression, plan, compression=compression)  # type: ignore[arg-type]
    plain = sorted((tmp_path / "none").rglob("*.dcm"))
    packed = sorted((tmp_path / compression).rglob("*.dcm"))
    assert len(plain) == len(packed) == 16
    for a, b in zip(plain, packed, strict=True):
        reference, compressed = pydicom.dcmread(a), pydicom.dcmread(b)
        assert compressed.file_meta.TransferSyntaxUID == syntax
        assert compressed.SOPInstanceUID == reference.SOPInstanceUID
        np.testing.assert_array_equal(compressed.pixel_array, reference.pixel_array)
