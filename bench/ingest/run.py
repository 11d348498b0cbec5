"""DIMSE ingest throughput: dcmtk storescu sending one 500-instance CT study to radcds
ingestion and to Orthanc, both fsyncing to disk, TCP_NODELAY=1 for both; one association
and four in parallel. Then the peak RSS of ingestion while it receives a ~1 GB study.

    uv run python bench/ingest/run.py [--study DIR] [--slices 500] [--repeats 3]

The study comes from radcds_synth (512x512 CT, uncompressed); --study reuses one.
Each run starts its SCP fresh on empty storage, so no run sees a duplicate.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import generate_uid
from radcds_synth import SeriesSize, generate_cohort, parse_mix
from servers import NODELAY_ENV, orthanc, peak_rss_bytes, radcds_ingestion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.result import Aim, BenchResult, Figure, write_result

STORESCU = "/usr/bin/storescu"


def synthetic_study(out: Path, slices: int) -> list[Path]:
    if not list(out.rglob("*.dcm")):
        size = SeriesSize(matrix=512, slices=slices)
        generate_cohort(out, patients=1, mix=parse_mix("normal=1"), seed=0, size=size)
    return sorted(out.rglob("CT/*.dcm"))


def send(port: int, files: list[Path], associations: int) -> float:
    """Seconds for `associations` storescu processes to send `files` between them."""
    shares = [files[i::associations] for i in range(associations)]
    started = time.perf_counter()
    senders = [
        subprocess.Popen(
            [STORESCU, "-aec", "RADCDS", "127.0.0.1", str(port), *map(str, share)],
            env=NODELAY_ENV,
        )
        for share in shares
    ]
    codes = [sender.wait() for sender in senders]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"storescu failed: {codes}")
    return elapsed


def measure(server: Callable, files: list[Path], associations: int, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        with (
            tempfile.TemporaryDirectory(dir=Path.cwd() / "var") as work,
            server(Path(work)) as (port, _),
        ):
            runs.append(send(port, files, associations))
    return statistics.median(runs)


def throughput_table(files: list[Path], repeats: int) -> list[Figure]:
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    print(f"\n{len(files)} instances, {megabytes:.1f} MB, median of {repeats} runs")
    print(f"{'associations':>12} {'server':>8} {'inst/s':>8} {'MB/s':>8} {'radcds/Orthanc':>15}")
    figures = []
    for associations in (1, 4):
        ours = measure(radcds_ingestion, files, associations, repeats)
        theirs = measure(orthanc, files, associations, repeats)
        for name, seconds in (("radcds", ours), ("Orthanc", theirs)):
            ratio = f"{theirs / ours:15.2f}" if name == "radcds" else ""
            rate = len(files) / seconds
            print(f"{associations:>12} {name:>8} {rate:8.1f} {megabytes / seconds:8.1f} {ratio}")
        aim = Aim("ratio", ">=", 1.0) if associations == 1 else None
        figures.append(
            Figure.against(
                f"C-STORE, {associations} association{'s' * (associations > 1)}, "
                f"{len(files)} x {megabytes / len(files):.2f} MB",
                len(files) / ours,
                "inst/s",
                len(files) / theirs,
                "Orthanc",
                aim,
            )
        )
    return figures


def copies_of(files: list[Path], out: Path, copies: int) -> list[Path]:
    """`copies` studies made from `files` with new UIDs: the same pixels, distinct instances."""
    written = []
    for copy in range(copies):
        study_uid, series_uid = generate_uid(), generate_uid()
        for file in files:
            ds = dcmread(file)
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            path = out / f"{copy}-{file.name}"
            ds.save_as(path, enforce_file_format=True)
            written.append(path)
    return written


def peak_rss(files: list[Path], target_bytes: int) -> Figure:
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "var") as work:
        copies = max(1, round(target_bytes / sum(f.stat().st_size for f in files)))
        (Path(work) / "big").mkdir()
        big = copies_of(files, Path(work) / "big", copies)
        gigabytes = sum(f.stat().st_size for f in big) / 1e9
        with radcds_ingestion(Path(work) / "scp") as (port, pid):
            idle = peak_rss_bytes(pid)
            seconds = send(port, big, 4)
            peak = peak_rss_bytes(pid)
    print(
        f"\npeak RSS of ingestion receiving {len(big)} instances ({gigabytes:.2f} GB) "
        f"over 4 associations in {seconds:.1f} s: {peak / 2**20:.0f} MiB "
        f"(after start-up: {idle / 2**20:.0f} MiB)"
    )
    return Figure(
        f"ingestion peak RSS receiving {gigabytes:.2f} GB",
        peak / 1e6,
        "MB",
        aim=Aim("value", "<", 300),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=Path("var/bench-ingest/study"))
    parser.add_argument("--slices", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rss-bytes", type=int, default=10**9)
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    (Path.cwd() / "var").mkdir(exist_ok=True)
    files = synthetic_study(args.study, args.slices)
    figures = throughput_table(files, args.repeats)
    figures.append(peak_rss(files, args.rss_bytes))
    parameters = {k: str(v) for k, v in vars(args).items() if k != "json"}
    write_result(args.json, BenchResult("ingest", figures, parameters))


if __name__ == "__main__":
    main()
