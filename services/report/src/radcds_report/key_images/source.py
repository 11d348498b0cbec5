"""Decoded series from ingestion, kept in a small LRU bounded by bytes.

The viewer scrolls one slice per call; decoding a series (and its SEG) per call would take
the series' whole transfer and decode each time, so the last few decoded series stay in
memory, up to RADCDS_REPORT_KEY_IMAGE_CACHE_BYTES.
"""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from pydicom.dataset import Dataset

from radcds_report.key_images.series import (
    DecodedSeries,
    KeyImageUnavailable,
    decode_series,
    read_part10,
)

log = logging.getLogger(__name__)
SeriesKey = tuple[str, str, str]  # study, key image, SEG SOP Instance UIDs


class StudyInstances(Protocol):
    """Ingestion's StreamInstances (radcds_report.ingestion.InstanceStream)."""

    def part10(self, study_uid: str) -> AsyncIterator[bytes]: ...


class SeriesCache:
    """Least recently used first out, by the decoded arrays' bytes."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[SeriesKey, DecodedSeries] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: SeriesKey) -> DecodedSeries | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: SeriesKey, series: DecodedSeries) -> None:
        if series.nbytes > self._max_bytes:
            return  # larger than the whole cache: served, not kept
        if (old := self._entries.pop(key, None)) is not None:
            self._bytes -= old.nbytes
        self._entries[key] = series
        self._bytes += series.nbytes
        while self._bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.nbytes


class KeyImageSource:
    """The decoded series of a finding's key image, from ingestion or the cache."""

    def __init__(self, instances: StudyInstances, cache: SeriesCache) -> None:
        self._instances = instances
        self._cache = cache
        self._loading: dict[SeriesKey, asyncio.Task[DecodedSeries]] = {}

    async def series(self, study_uid: str, key_uid: str, seg_uid: str) -> DecodedSeries:
        key = (study_uid, key_uid, seg_uid)
        if (cached := self._cache.get(key)) is not None:
            return cached
        # Concurrent calls for the same series share one load.
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key))
            self._loading[key] = task
            task.add_done_callback(lambda _: self._loading.pop(key, None))
        return await asyncio.shield(task)

    async def _load(self, key: SeriesKey) -> DecodedSeries:
        study_uid, key_uid, seg_uid = key
        datasets = await _collect(self._instances.part10(study_uid), read_part10)
        decoded = await asyncio.to_thread(decode_series, datasets, key_uid, seg_uid)
        self._cache.put(key, decoded)
        log.info(
            "key image series decoded",
            extra={"slices": len(decoded.sop_instance_uids), "bytes": decoded.nbytes,
                   "cache_bytes": self._cache.bytes, "cache_series": len(self._cache)},
        )  # fmt: skip
        return decoded


async def _collect(parts: AsyncIterator[bytes], parse: Callable[[bytes], Dataset]) -> list[Dataset]:
    found = []
    async for data in parts:
        found.append(await asyncio.to_thread(parse, data))
    if not found:
        raise KeyImageUnavailable("ingestion holds no instance of the study")
    return found
