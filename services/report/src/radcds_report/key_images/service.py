"""Key images of a report's findings: rendered into the report at Compose, and one slice
at a time for the viewer (GetKeyImage).

Inference names each finding's key image and SEG in Observation components coded
"key-image" and "segmentation" (valueString: the SOP Instance UID).
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import grpc

from radcds_report.content import KeyImage
from radcds_report.findings import Finding
from radcds_report.key_images.draw import key_image_png, orientation_sides, overlay_png, slice_png
from radcds_report.key_images.series import DecodedSeries, KeyImageUnavailable
from radcds_report.key_images.source import KeyImageSource
from radcds_report.key_images.windows import Window, choose_window, finding_window

log = logging.getLogger(__name__)
Resource = dict[str, Any]
KEY_IMAGE_CODE = "key-image"
SEGMENTATION_CODE = "segmentation"


def _component_string(observation: Resource, code: str) -> str:
    for component in observation.get("component", []):
        codes = {c.get("code") for c in component.get("code", {}).get("coding", [])}
        if code in codes and isinstance(component.get("valueString"), str):
            return str(component["valueString"])
    return ""


def _codes(observation: Resource) -> list[str]:
    return [str(c.get("code")) for c in observation.get("code", {}).get("coding", [])]


@dataclass(frozen=True)
class KeySlice:
    image_png: bytes
    overlay_png: bytes
    index: int
    count: int
    key_index: int
    window: Window
    sop_instance_uid: str


class KeyImages:
    def __init__(self, source: KeyImageSource) -> None:
        self._source = source

    async def _series(self, study_uid: str, observation: Resource) -> DecodedSeries:
        key_uid = _component_string(observation, KEY_IMAGE_CODE)
        seg_uid = _component_string(observation, SEGMENTATION_CODE)
        if not key_uid:
            raise KeyImageUnavailable("the finding names no key image")
        if not seg_uid:
            raise KeyImageUnavailable("the finding names no segmentation")
        return await self._source.series(study_uid, key_uid, seg_uid)

    async def for_report(
        self, study_uid: str, observations: list[Resource], findings: list[Finding]
    ) -> list[KeyImage]:
        """One key image per finding that has one; a finding without is left out, logged."""
        images = []
        for observation, finding in zip(observations, findings, strict=True):
            if not _component_string(observation, KEY_IMAGE_CODE):
                continue
            try:
                images.append(await self._render(study_uid, observation, finding))
            except Exception as error:  # a key image never fails the report
                log.warning("key image left out of the report", extra={"reason": _reason(error)})
        return images

    async def _render(self, study_uid: str, observation: Resource, finding: Finding) -> KeyImage:
        series = await self._series(study_uid, observation)
        window = finding_window(_codes(observation)) or series.voi
        index = series.key_index
        count = len(series.sop_instance_uids)
        caption = (f"{window.name} window {window.label}", f"slice {index + 1}/{count}  AI mask")
        png = await asyncio.to_thread(
            key_image_png, series.hu[index], series.mask[index], window, caption,
            orientation_sides(series.row_direction),
        )  # fmt: skip
        title = (
            f"{finding.name}: key slice {index + 1} of {count}, {window.name} window "
            f"({window.label}), AI mask in red"
        )
        return KeyImage(title, png, finding.reference, series.sop_instance_uids[index])

    async def slice(
        self,
        study_uid: str,
        observation: Resource,
        offset: int,
        window: tuple[str, float, float],
    ) -> KeySlice:
        name, center, width = window
        wanted = choose_window(name, center, width, finding_window(_codes(observation)))
        series = await self._series(study_uid, observation)
        chosen = wanted or series.voi
        count = len(series.sop_instance_uids)
        index = min(max(series.key_index + offset, 0), count - 1)
        image, overlay = await asyncio.to_thread(
            lambda: (slice_png(series.hu[index], chosen), overlay_png(series.mask[index]))
        )
        return KeySlice(
            image, overlay, index, count, series.key_index, chosen, series.sop_instance_uids[index]
        )


def _reason(error: Exception) -> str:
    if isinstance(error, KeyImageUnavailable):
        return str(error)
    if isinstance(error, grpc.aio.AioRpcError):
        return f"ingestion: {error.code().name}"
    return type(error).__name__
