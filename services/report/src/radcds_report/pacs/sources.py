"""The study's source datasets, streamed from ingestion (radcds.ingestion.v1)."""

from io import BytesIO
from typing import Protocol

from pydicom import dcmread
from pydicom.dataset import Dataset

from radcds_report.ingestion import InstanceStream


class SourceLoader(Protocol):
    async def datasets(self, study_uid: str) -> list[Dataset]:
        """The study's instances (images, and a SEG if stored), without pixel data."""
        ...


def _header(data: bytes) -> Dataset:
    return dcmread(BytesIO(data), stop_before_pixels=True)


class IngestionSources:
    """The SR and the PDF need headers only: pixel data is dropped as each instance lands."""

    def __init__(self, instances: InstanceStream) -> None:
        self._instances = instances

    async def datasets(self, study_uid: str) -> list[Dataset]:
        return [_header(data) async for data in self._instances.part10(study_uid)]
