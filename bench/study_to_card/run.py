"""Study to card: from the last instance's C-STORE success to the card on patient-view.

    uv run python bench/study_to_card/run.py [--studies 5] [--matrix 512] [--slices 64]

Starts the suite as `radcds demo` does (radcds_cli: the demo's environment, RunningSuite,
its EHR client), on free ports with its own embedded Redis, with the demo's stable age. For
each of `--studies` synthetic head CTs with a haemorrhage (radcds_synth): the EHR loads the
patient's record over FHIR; dcmtk's storescu sends the study (TCP_NODELAY=1); then the EHR
calls patient-view every `--poll-s` seconds, as an EHR refreshing the chart would, until the
AI card is there. One study at a time, so none waits behind another; the first `--warmup`
studies (Triton's first inference, cold caches) are not counted. Prints each study's
time, the median with the stable age subtracted (the aim: under 5 s), and where the time went
from the services' own timestamps (stages.py).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from radcds_kit.ports import free_port

from radcds_cli.demo.command import demo, demo_environment
from radcds_cli.demo.ehr import EhrClient, EhrClientKey, system_token
from radcds_cli.running import RunningSuite
from radcds_cli.suite import SuiteSettings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from harness.result import BenchResult, write_result  # noqa: E402
from stages import ServiceClocks, StudyTimes, SubmissionWatch  # noqa: E402
from summary import Awaited, Measured, figures, print_results, stage_medians  # noqa: E402

STORESCU = "/usr/bin/storescu"
# The demo's own default, read from its command so that the two never drift apart.
DEMO_STABLE_AGE_S = float(inspect.signature(demo).parameters["stable_age"].default)


def free_ports_suite(data_dir: Path) -> SuiteSettings:
    """The demo's suite on free ports, so that it runs beside a demo or another bench;
    a Redis URL nothing answers on makes RunningSuite start its own embedded Redis."""
    names = [name for name in SuiteSettings.model_fields if name.endswith("_port")]
    ports: dict[str, Any] = {name: free_port() for name in names}
    return SuiteSettings(data_dir=data_dir, redis_url=f"redis://127.0.0.1:{free_port()}/0", **ports)


def head_cts_with_haemorrhage(out: Path, count: int, matrix: int, slices: int) -> list[Path]:
    from radcds_synth import SeriesSize, generate_patient, plan_patient

    size = SeriesSize(matrix=matrix, slices=slices)
    plans = [plan_patient(7, index, "ich") for index in range(count)]
    for plan in plans:
        if not (out / plan.directory_name / "truth.json").exists():
            generate_patient(out, plan, size=size)
    return [out / plan.directory_name for plan in plans]


def store_study(host: str, port: int, directory: Path) -> float:
    """storescu sends the study on one association; returns the time (time.time()) at which
    it logged the last C-STORE response with a success status."""
    files = sorted(str(p) for p in (directory / "CT").glob("*.dcm"))
    command = [STORESCU, "-v", "-aec", "RADCDS", host, str(port), *files]
    env = {**os.environ, "TCP_NODELAY": "1"}
    last_success, responses = 0.0, 0
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as sender:
        assert sender.stdout is not None
        for line in sender.stdout:
            if "Received Store Response" in line:
                responses += 1
                if "(Success)" in line:
                    last_success = time.time()
        code = sender.wait()
    if code or responses != len(files) or not last_success:
        raise RuntimeError(f"storescu: exit {code}, {responses} responses for {len(files)} files")
    return last_success


def await_card(
    ehr: EhrClient, patient_id: str, args: argparse.Namespace, stopping: Callable[[], bool]
) -> Awaited:
    """Calls patient-view until the finding's card is there (its summary holds `--card-text`;
    the record's own risk cards come before it). A refused call (the gateway fails closed
    when its Redis does not answer in time) is counted and the EHR asks again next poll.
    `stopping`: Ctrl-C, which RunningSuite turns into a request to stop."""
    deadline, awaited = time.monotonic() + args.timeout_s, Awaited()
    while time.monotonic() < deadline and not stopping():
        awaited.polls += 1
        try:
            cards = ehr.patient_view(patient_id)
        except RuntimeError:
            awaited.refused += 1
            cards = []
        found = [c for c in cards if args.card_text in c.get("summary", "")]
        if found:
            awaited.at, awaited.summary = time.time(), str(found[0]["summary"])
            return awaited
        time.sleep(args.poll_s)
    if stopping():
        raise KeyboardInterrupt
    raise TimeoutError(f"no card with {args.card_text!r} within {args.timeout_s:g} s")


def measure_study(
    running: RunningSuite,
    ehr: EhrClient,
    clocks: ServiceClocks,
    directory: Path,
    args: argparse.Namespace,
) -> Measured:
    suite = running.suite
    patient_id = ehr.load_record((directory / "bundle.json").read_bytes())
    study_uid = json.loads((directory / "truth.json").read_text())["study_instance_uid"]
    watch = SubmissionWatch(clocks, study_uid)
    last_store = store_study(suite.host, suite.ingestion_dimse_port, directory)
    watch.start()
    try:
        card = await_card(ehr, patient_id, args, lambda: running.supervisor.stopping)
    finally:
        watch.stop()
    stamps = {"last_store": last_store, "card": card.at}
    times: StudyTimes | None = None
    try:
        if watch.submitted is None:
            raise RuntimeError("the study was never seen SUBMITTED")
        times = clocks.study_times(watch.submitted, patient_id)
        if not times.duplicate:
            raise RuntimeError("inference took the query for a new submission")
        stamps.update(job_created=times.job_created, job_ended=times.job_ended)
        # Waiting for the report also keeps the next study from overlapping this one's work.
        stamps["report_stored"] = clocks.report_stored(study_uid, args.timeout_s)
    except Exception as error:  # the breakdown is a bonus; the end-to-end time stands alone
        print(f"  no stage breakdown: {type(error).__name__}: {error}")
        times = None
    return Measured(card.at - last_store, times, stamps, card)


def run_suite(args: argparse.Namespace, work: Path, studies: list[Path]) -> list[Measured]:
    data_dir = Path(tempfile.mkdtemp(prefix="suite-", dir=work))
    ehr_key = EhrClientKey("127.0.0.1")
    ehr_key.start()
    os.environ.update(demo_environment(data_dir, ehr_key, args.stable_age))
    running = RunningSuite(free_ports_suite(data_dir))
    suite = running.suite
    clocks = ServiceClocks(*(suite.grpc_address(s) for s in ("ingestion", "inference", "report")))
    try:
        began = time.monotonic()
        if not running.start(args.startup_timeout):
            raise RuntimeError(f"not every service reached SERVING (logs: {suite.log_dir})")
        print(f"suite SERVING in {time.monotonic() - began:.1f} s; logs in {suite.log_dir}")
        token = system_token(data_dir / "dev-issuer.jwk")
        with httpx.Client(timeout=30.0) as http:
            ehr = EhrClient(http, f"http://{suite.host}:{suite.gateway_http_port}", token, ehr_key)
            measured = []
            for number, directory in enumerate(studies, start=1 - args.warmup):
                measured.append(measure_study(running, ehr, clocks, directory, args))
                label = f"study {number}" if number > 0 else "warm-up study (not counted)"
                print(f"{label}: {measured[-1].seconds:.2f} s to the card")
        return measured[args.warmup :]
    finally:
        clocks.close()
        running.stop()
        ehr_key.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="studies sent first, not counted")
    parser.add_argument("--matrix", type=int, default=512)
    parser.add_argument("--slices", type=int, default=64)
    parser.add_argument("--stable-age", type=float, default=DEMO_STABLE_AGE_S)
    parser.add_argument("--poll-s", type=float, default=0.25, help="the EHR's patient-view poll")
    parser.add_argument("--card-text", default="suspected ICH", help="the awaited card says")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="per study")
    parser.add_argument("--startup-timeout", type=float, default=240.0)
    parser.add_argument("--json", type=Path, help="write the result here (harness format)")
    args = parser.parse_args()
    work = Path("var/bench-study-to-card").resolve()
    work.mkdir(parents=True, exist_ok=True)
    cohort = work / f"cohort-{args.matrix}x{args.slices}"
    count = args.warmup + args.studies
    studies = head_cts_with_haemorrhage(cohort, count, args.matrix, args.slices)
    measured = run_suite(args, work, studies)
    print_results(measured, args.stable_age, args.poll_s)
    parameters = {k: v for k, v in vars(args).items() if k != "json"}
    parameters["json"] = None
    raw = {
        "studies": [
            {
                "seconds": m.seconds,
                "stamps": m.stamps,
                "card": m.card.summary,
                "polls": m.card.polls,
                "refused": m.card.refused,
            }
            for m in measured
        ],
        "stage_medians_s": stage_medians(measured),
    }
    write_result(args.json, BenchResult("study-to-card", figures(measured, args), parameters, raw))


if __name__ == "__main__":
    main()
