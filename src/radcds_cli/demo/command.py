"""`radcds demo`: the suite's main job, end to end, on this machine.

Starts the suite on its embedded defaults in a fresh data folder, synthesises a small cohort
(haemorrhage, nodule, normal), loads each record into the FHIR API as an EHR would, sends each
study by C-STORE as a PACS would, waits for the AI and the preliminary report, then acts as
the EHR: calls CDS Hooks `patient-view` with a signed JWT and prints the cards, the worklist,
the time from each study's last image to its card, and what the AI found against the truth.

Nothing printed names a patient: patients are shown by ordinal; names, MRNs and birth dates
appear only inside the written PDFs. The services' logs go to files under the suite's data
folder, not to the terminal.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from radcds_cli.demo.cohort import DemoPatient, synthesise_cohort
from radcds_cli.demo.ehr import EhrClient, EhrClientKey, system_token
from radcds_cli.demo.findings import Resource, present_findings
from radcds_cli.demo.pacs import send_study
from radcds_cli.demo.terminal import (
    SYNTHETIC_NOTICE,
    console,
    print_cards,
    print_times,
    print_truth,
    print_worklist,
    progress,
)
from radcds_cli.running import RunningSuite
from radcds_cli.suite import SuiteSettings


@dataclass(frozen=True)
class DemoOptions:
    out: Path
    patients: int
    seed: int
    size: tuple[int, int]  # matrix, slices
    stable_age_s: float
    timeout_s: float


def demo_environment(data_dir: Path, ehr: EhrClientKey, stable_age_s: float) -> dict[str, str]:
    """What the demo's services are told beside their ports: data, issuers, stable age."""
    return {
        "RADCDS_DATA_DIR": str(data_dir),
        "RADCDS_INGESTION_STABLE_AGE_S": f"{stable_age_s:g}",
        # The services log to files (data/log), not the terminal, so they keep their detail.
        "RADCDS_LOG_LEVEL": os.environ.get("RADCDS_LOG_LEVEL", "INFO"),
        "RADCDS_DEV_ISSUER_KEY_FILE": str(data_dir / "dev-issuer.jwk"),
        "RADCDS_CDS_TRUSTED_ISSUERS": json.dumps({ehr.issuer: ehr.jwks_url}),
        # A Redis that outlives one demo must not take this run's studies for repeats.
        "RADCDS_INFERENCE_KEY_PREFIX": f"radcds:demo:{uuid.uuid4().hex[:12]}",
    }


def _synthesise(out: Path, patients: int, seed: int, size: tuple[int, int]) -> list[DemoPatient]:
    with progress() as bars:
        task = bars.add_task("Synthesising studies and records", total=patients * size[1])
        return synthesise_cohort(out, patients, seed, size, lambda _i: bars.advance(task))


def _load_records(ehr: EhrClient, cohort: list[DemoPatient]) -> None:
    with progress() as bars:
        task = bars.add_task("EHR: loading records into FHIR", total=len(cohort))
        for patient in cohort:
            try:
                patient.patient_id = ehr.load_record(patient.bundle)
            except RuntimeError as error:
                raise RuntimeError(f"{patient.label}: {error}") from None
            bars.advance(task)


def _send_studies(host: str, port: int, cohort: list[DemoPatient]) -> None:
    total = sum(len(p.instances) for p in cohort)
    with progress() as bars:
        task = bars.add_task("PACS: C-STORE to ingestion", total=total)
        for patient in cohort:
            send_study(host, port, patient, lambda: bars.advance(task))


def _unavailable(cards: list[Resource]) -> bool:
    return any("unavailable" in str(c.get("summary", "")).lower() for c in cards)


def _try_result(ehr: EhrClient, patient: DemoPatient, deadline: float) -> bool:
    """Looks for the study's report, then its cards; True once both are there."""
    if not patient.report_at:
        reports = ehr.imaging_reports(patient.patient_id)
        if not reports:
            return False
        patient.reports, patient.report_at = reports, time.monotonic()
    try:
        cards = ehr.patient_view(patient.patient_id)
    except RuntimeError as error:
        raise RuntimeError(f"{patient.label}: {error}") from None
    if _unavailable(cards) and time.monotonic() < deadline - 5:
        return False
    patient.cards, patient.card_at = cards, time.monotonic()
    patient.findings = ehr.report_findings(patient.reports)
    return True


def _await_results(
    ehr: EhrClient, cohort: list[DemoPatient], timeout_s: float, stopping: Callable[[], bool]
) -> list[DemoPatient]:
    """Polls each study's DiagnosticReport, then asks for its cards; returns those late."""
    pending = list(cohort)
    deadline = time.monotonic() + timeout_s
    with progress() as bars:
        task = bars.add_task("AI: ingestion -> Triton -> report -> cards", total=len(cohort))
        while pending and time.monotonic() < deadline and not stopping():
            for patient in list(pending):
                if _try_result(ehr, patient, deadline):
                    pending.remove(patient)
                    bars.advance(task)
            time.sleep(0.25)
    return pending


def _write_documents(ehr: EhrClient, out: Path, cohort: list[DemoPatient]) -> list[Path]:
    """Each report's PDF (its presentedForm) and key images (the Media it links: the key
    slice with the AI mask over it), as the EHR would read them."""
    written = []
    for patient in cohort:
        for number, report in enumerate(patient.reports, start=1):
            stem = f"report-patient-{patient.ordinal}-{number}"
            for form in report.get("presentedForm", []):
                if form.get("contentType") == "application/pdf" and "data" in form:
                    written.append(_write(out / f"{stem}.pdf", form["data"]))
            for index, media in enumerate(ehr.key_images(report), start=1):
                content = media.get("content", {})
                if content.get("contentType") == "image/png" and "data" in content:
                    written.append(_write(out / f"{stem}-key-image-{index}.png", content["data"]))
    return written


def _write(path: Path, data: str) -> Path:
    path.write_bytes(base64.b64decode(data))
    return path


def _summary(cohort: list[DemoPatient], times: dict[int, float], documents: list[Path]) -> Resource:
    patients = [
        {
            "ordinal": p.ordinal,
            "finding": p.truth["finding"],
            "indicators": [c.get("indicator") for c in p.cards],
            "summaries": [c.get("summary") for c in p.cards],
            "details": [c.get("detail") for c in p.cards],
            "ai_findings": sorted(present_findings(p.findings)),
            "study_to_card_s": times.get(p.ordinal),
        }
        for p in cohort
    ]
    return {
        "synthetic": True,
        "patients": patients,
        "pdfs": [str(p) for p in documents if p.suffix == ".pdf"],
        "key_images": [str(p) for p in documents if p.suffix == ".png"],
    }


def _report(ehr: EhrClient, out: Path, cohort: list[DemoPatient], stable_age_s: float) -> None:
    print_cards(cohort)
    print_worklist(cohort)
    documents = _write_documents(ehr, out, cohort)
    times = print_times(cohort, stable_age_s)
    print_truth(cohort)
    summary = _summary(cohort, times, documents)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(
        f"{len(summary['pdfs'])} report PDF(s) and {len(summary['key_images'])} key image(s) "
        f"(the key slice with the AI mask in red) written to {out}"
    )


def _run(running: RunningSuite, ehr_key: EhrClientKey, options: DemoOptions) -> bool:
    """Everything between start and stop; True when every study got its report and card."""
    import httpx

    suite = running.suite
    cohort = _synthesise(options.out / "cohort", options.patients, options.seed, options.size)
    token = system_token(suite.data_dir / "dev-issuer.jwk")
    base = f"http://{suite.host}:{suite.gateway_http_port}"
    with httpx.Client(timeout=30.0) as http:
        ehr = EhrClient(http, base, token, ehr_key)
        _load_records(ehr, cohort)
        _send_studies(suite.host, suite.ingestion_dimse_port, cohort)
        late = _await_results(ehr, cohort, options.timeout_s, lambda: running.supervisor.stopping)
        _report(ehr, options.out, cohort, options.stable_age_s)
    console.print(SYNTHETIC_NOTICE)
    if late:
        names = ", ".join(p.label for p in late)
        console.print(
            f"[red]no report and card within {options.timeout_s:g} s for: {names}[/] "
            "(the chain is ingestion -> inference (Triton) -> report)"
        )
    return not late


def demo(
    patients: Annotated[int, typer.Option(min=1, help="Patients: ich, nodule, normal, ...")] = 3,
    # Seed 1 plants a haemorrhage in an anticoagulated patient: the case the cards are for.
    seed: Annotated[int, typer.Option(help="Seed of the synthetic cohort.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the cohort, PDFs and data.")] = Path(
        "demo-out"
    ),
    matrix: Annotated[int, typer.Option(help="Rows and columns of each slice.")] = 64,
    slices: Annotated[int, typer.Option(help="Slices per series.")] = 16,
    stable_age: Annotated[float, typer.Option(help="Ingestion's stable age, seconds.")] = 3.0,
    startup_timeout: Annotated[float, typer.Option(help="Seconds to reach SERVING.")] = 240.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all reports.")] = 300.0,
) -> None:
    """Runs radcds end to end: suite, cohort, EHR and PACS, AI, cards, reports, truth."""
    console.print(SYNTHETIC_NOTICE)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    options = DemoOptions(out, patients, seed, (matrix, slices), stable_age, timeout)
    data_dir = Path(tempfile.mkdtemp(prefix="suite-", dir=out))
    ehr_key = EhrClientKey("127.0.0.1")
    ehr_key.start()
    os.environ.update(demo_environment(data_dir, ehr_key, stable_age))
    running = RunningSuite(SuiteSettings(data_dir=data_dir))
    ok = False
    try:
        if not running.start(startup_timeout):
            console.print("[red]not every service reached SERVING; stopping[/]")
            raise typer.Exit(1)
        running.describe()
        ok = _run(running, ehr_key, options)
    except typer.Exit:
        raise
    except Exception as error:
        # A plain message: a traceback with its locals could show the records' contents.
        console.print(f"[red]demo failed: {type(error).__name__}: {error}[/]")
    finally:
        running.stop()
        ehr_key.stop()
        console.print(f"The services' logs: {running.suite.log_dir}")
    if not ok:
        raise typer.Exit(1)
