"""GetKeyImage's work per call: cold (the series streamed, decoded with its SEG) against
warm (the decoded series from the LRU cache), on synthetic head CTs with a truth SEG.

Run: uv run python bench/report/bench_key_image.py [--calls N] [--size small|clinical]
The instances come from Part 10 bytes in memory instead of ingestion's gRPC stream, so the
cold figure leaves out the transfer: it is a floor for a cache miss. Prints p50/p99 in
milliseconds and the cold / warm ratio.
"""

import argparse
import asyncio
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydicom.filewriter import dcmwrite
from radcds_report.key_images.service import KeyImages
from radcds_report.key_images.source import KeyImageSource, SeriesCache
from radcds_synth import CLINICAL, SMALL, HaemorrhageSpec, StudyIdentity, UidSource, write_head_ct

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "services" / "report" / "tests"))
from harness.result import BenchResult, Figure, write_result  # noqa: E402
from report_peers import SyntheticStudy, key_image_of, truth_seg  # noqa: E402

SIZES = {"small": SMALL, "clinical": CLINICAL}


class InMemoryInstances:
    """What ingestion's StreamInstances yields, from bytes already in memory."""

    def __init__(self, parts: list[bytes]) -> None:
        self._parts = parts

    async def part10(self, study_uid: str) -> AsyncIterator[bytes]:
        for part in self._parts:
            yield part


def study(workdir: Path, size_name: str) -> tuple[list[bytes], dict[str, Any]]:
    uids = UidSource(seed=11, patient_index=0)
    identity = StudyIdentity(
        "Synthetic", "Bench", "SYN-B", dt.date(1950, 1, 1), "male", "ACC-B",
        dt.datetime(2026, 11, 28, 8, 0), uids.uid("study"),
    )  # fmt: skip
    truth = write_head_ct(workdir, identity, uids, size=SIZES[size_name],
                          haemorrhage=HaemorrhageSpec("intraparenchymal", 30.0))  # fmt: skip
    synthetic = SyntheticStudy(identity.study_uid, workdir, truth)
    seg = truth_seg(synthetic)
    buffer = io.BytesIO()
    dcmwrite(buffer, seg, enforce_file_format=True)
    parts = [p.read_bytes() for p in sorted((workdir / "CT").glob("*.dcm"))]
    observation = {
        "code": {"coding": [{"code": "intracranial-hemorrhage"}]},
        "component": [
            {"code": {"coding": [{"code": "key-image"}]},
             "valueString": str(key_image_of(synthetic).SOPInstanceUID)},
            {"code": {"coding": [{"code": "segmentation"}]}, "valueString": seg.SOPInstanceUID},
        ],
    }  # fmt: skip
    return [*parts, buffer.getvalue()], observation


async def timed_calls(images: KeyImages, observation: dict[str, object], calls: int) -> list[float]:
    samples = []
    for call in range(calls):
        started = time.perf_counter()
        await images.slice("study", observation, call % 9 - 4, ("", 0, 0))
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


async def measure(
    parts: list[bytes], observation: dict[str, object], calls: int
) -> dict[str, list[float]]:
    instances = InMemoryInstances(parts)
    cold = KeyImages(KeyImageSource(instances, SeriesCache(max_bytes=0)))
    warm = KeyImages(KeyImageSource(instances, SeriesCache(max_bytes=1024**3)))
    await warm.slice("study", observation, 0, ("", 0, 0))  # the first call fills the cache
    return {
        "cold": await timed_calls(cold, observation, max(3, calls // 10)),
        "warm": await timed_calls(warm, observation, calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        parts, observation = study(Path(workdir), args.size)
    samples = asyncio.run(measure(parts, observation, args.calls))
    size = SIZES[args.size]
    print(f"series {size.matrix}x{size.matrix}x{size.slices}, {args.calls} warm calls")
    print(f"{'GetKeyImage work per call':<36}{'p50 ms':>9}{'p99 ms':>9}")
    for name in ("cold", "warm"):
        print(f"{name + (' (decode)' if name == 'cold' else ' (LRU hit)'):<36}"
              f"{p(samples[name], 50):>9.2f}{p(samples[name], 99):>9.2f}")  # fmt: skip
    ratio = p(samples["cold"], 50) / p(samples["warm"], 50)
    print(f"cold / warm p50 ratio: {ratio:.1f}")
    figures = [
        Figure.against("GetKeyImage p50, LRU hit", p(samples["warm"], 50), "ms",
                       p(samples["cold"], 50), "cache miss (decode)"),
        Figure("GetKeyImage p99, LRU hit", p(samples["warm"], 99), "ms"),
    ]  # fmt: skip
    write_result(args.json, BenchResult("report-key-image", figures, vars(args) | {"json": ""}))


if __name__ == "__main__":
    main()
