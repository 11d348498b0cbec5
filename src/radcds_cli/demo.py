"""`radcds demo`: the suite's main job, end to end, on this machine.

Starts the suite on its embedded defaults in a fresh data folder, synthesises a small cohort
(haemorrhage, nodule, normal), loads each record into the FHIR API as an EHR would, sends each
study by C-STORE as a PACS would, waits for the AI and the preliminary report, then acts as
the EHR: calls CDS Hooks `patient-view` with a signed JWT and prints the cards, the worklist,
the time from each study's last image to its card, and what the AI found against the truth.

Nothing printed names a patient: patients are shown by ordinal; names, MRNs and birth dates
appear only inside the written PDFs.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from radcds_cli.suite import SuiteSettings

if TYPE_CHECKING:
    from radcds_synth.cohort import Finding

FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"
FINDINGS_SERVICE = "radcds-imaging-findings"
DEMO_FINDINGS: tuple[Finding, ...] = ("ich", "nodule", "normal")
SYSTEM_SCOPES = ("system/*.cruds",)
PRIORITY_RANK = {"S": 0, "UR": 1, "R": 2}
PRIORITY_LABEL = {"S": "STAT", "UR": "urgent", "R": "routine"}
SYNTHETIC_NOTICE = (
    "[bold yellow]The demo models are trained on synthetic data and are not for clinical "
    "use.[/] Every AI result is preliminary until a clinician signs the report."
)
Resource = dict[str, Any]
console = Console()


@dataclass
class DemoPatient:
    """One synthetic patient, known to the demo by ordinal only."""

    ordinal: int
    directory: Path
    truth: dict[str, Any]
    patient_id: str = ""
    last_image_at: float = 0.0
    report_at: float = 0.0
    card_at: float = 0.0
    cards: list[Resource] = field(default_factory=list)
    reports: list[Resource] = field(default_factory=list)
    findings: list[Resource] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"patient {self.ordinal} ({self.truth['finding']})"


class EhrClientKey:
    """The demo EHR's ES384 key, its JWK Set served on a free local port."""

    def __init__(self, host: str) -> None:
        from jwcrypto import jwk  # type: ignore[import-untyped]

        self.key = jwk.JWK.generate(
            kty="EC", crv="P-384", kid=str(uuid.uuid4()), use="sig", alg="ES384"
        )
        public = json.loads(self.key.export_public())
        document = json.dumps({"keys": [public]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, 0), Handler)
        port = self._server.server_address[1]
        self.issuer = f"http://{host}:{port}/demo-ehr"
        self.jwks_url = f"http://{host}:{port}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client_jwt(self, audience: str) -> str:
        from jwcrypto import jwt

        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "radcds-demo",
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": "ES384", "typ": "JWT", "kid": self.key.get("kid")}
        token = jwt.JWT(header=header, claims=claims)
        token.make_signed_token(self.key)
        return str(token.serialize())


def _cohort(out: Path, patients: int, seed: int, matrix: int, slices: int) -> list[DemoPatient]:
    from radcds_synth import SeriesSize, generate_patient, plan_patient

    size = SeriesSize(matrix=matrix, slices=slices)
    findings = [DEMO_FINDINGS[i % len(DEMO_FINDINGS)] for i in range(patients)]
    cohort = []
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("Synthesising studies and records", total=patients * slices)
        for index, finding in enumerate(findings):
            plan = plan_patient(seed, index, finding)
            truth = generate_patient(
                out, plan, size=size, on_slice=lambda _i: progress.advance(task)
            )
            cohort.append(DemoPatient(index + 1, out / plan.directory_name, truth))
    return cohort


def _patient_id(response: Resource) -> str:
    for entry in response.get("entry", []):
        location = str((entry.get("response") or {}).get("location", ""))
        _, marker, rest = location.partition("Patient/")
        if marker and rest:
            return rest.split("/")[0]
    raise RuntimeError("the transaction response names no Patient")


def _load_records(http: Any, fhir: str, token: str, cohort: list[DemoPatient]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    with _progress() as progress:
        task = progress.add_task("EHR: loading records into FHIR", total=len(cohort))
        for patient in cohort:
            body = (patient.directory / "bundle.json").read_bytes()
            response = http.post(fhir, content=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{patient.label}: FHIR transaction HTTP {response.status_code}")
            patient.patient_id = _patient_id(response.json())
            progress.advance(task)


def _progress() -> Progress:
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console)


def _send_studies(host: str, port: int, cohort: list[DemoPatient]) -> None:
    from pydicom import dcmread
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

    files = {p.ordinal: sorted((p.directory / "CT").glob("*.dcm")) for p in cohort}
    with _progress() as progress:
        task = progress.add_task("PACS: C-STORE to ingestion", total=sum(map(len, files.values())))
        for patient in cohort:
            ae = AE(ae_title="RADCDS_DEMO")
            syntax = dcmread(files[patient.ordinal][0], stop_before_pixels=True)
            ae.add_requested_context(CTImageStorage, syntax.file_meta.TransferSyntaxUID)
            assoc = ae.associate(host, port, ae_title="RADCDS")
            if not assoc.is_established:
                raise RuntimeError(f"ingestion refused the association on port {port}")
            transport = assoc.dul.socket
            if transport is not None and transport.socket is not None:
                transport.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                for path in files[patient.ordinal]:
                    status = assoc.send_c_store(dcmread(path))
                    if getattr(status, "Status", None) != 0x0000:
                        raise RuntimeError(f"{patient.label}: C-STORE failed ({status})")
                    progress.advance(task)
                patient.last_image_at = time.monotonic()
            finally:
                assoc.release()


def _search(http: Any, fhir: str, token: str, query: str) -> list[Resource]:
    response = http.get(f"{fhir}/{query}", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return [e["resource"] for e in response.json().get("entry", []) if "resource" in e]


def _patient_view(
    http: Any, base: str, ehr: EhrClientKey, fhir: str, token: str, patient: DemoPatient
) -> list[Resource]:
    url = f"{base}/cds-services/{FINDINGS_SERVICE}"
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/radcds-demo", "patientId": patient.patient_id},
        "fhirServer": fhir,
        "fhirAuthorization": {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(SYSTEM_SCOPES),
            "subject": "radcds-demo",
        },
        "prefetch": _prefetch(http, fhir, token, patient.patient_id),
    }
    response = http.post(url, json=body, headers={"Authorization": f"Bearer {ehr.client_jwt(url)}"})
    if response.status_code != 200:
        raise RuntimeError(f"{patient.label}: patient-view HTTP {response.status_code}")
    cards: list[Resource] = response.json().get("cards", [])
    return cards


def _prefetch(http: Any, fhir: str, token: str, patient_id: str) -> dict[str, Resource]:
    """What an EHR sends with the hook: the record the service's prefetch templates name."""
    headers = {"Authorization": f"Bearer {token}"}
    queries = {
        "patient": f"Patient/{patient_id}",
        "conditions": f"Condition?patient={patient_id}",
        "medications": f"MedicationRequest?patient={patient_id}&status=active",
        "observations": f"Observation?patient={patient_id}&_sort=-date&_count=500",
    }
    found = {}
    for key, query in queries.items():
        response = http.get(f"{fhir}/{query}", headers=headers)
        response.raise_for_status()
        found[key] = response.json()
    return found


def _unavailable(cards: list[Resource]) -> bool:
    return any("unavailable" in str(c.get("summary", "")).lower() for c in cards)


def _await_results(
    http: Any,
    base: str,
    fhir: str,
    token: str,
    ehr: EhrClientKey,
    cohort: list[DemoPatient],
    timeout_s: float,
    stopping: Callable[[], bool],
) -> list[DemoPatient]:
    """Polls each study's DiagnosticReport, then asks for its cards; returns those late."""
    pending = list(cohort)
    deadline = time.monotonic() + timeout_s
    with _progress() as progress:
        task = progress.add_task("AI: ingestion -> Triton -> report -> cards", total=len(cohort))
        while pending and time.monotonic() < deadline and not stopping():
            for patient in list(pending):
                if not patient.report_at:
                    reports = _imaging_reports(http, fhir, token, patient.patient_id)
                    if not reports:
                        continue
                    patient.reports, patient.report_at = reports, time.monotonic()
                cards = _patient_view(http, base, ehr, fhir, token, patient)
                if _unavailable(cards) and time.monotonic() < deadline - 5:
                    continue
                patient.cards, patient.card_at = cards, time.monotonic()
                patient.findings = _report_findings(http, base, token, patient.reports)
                pending.remove(patient)
                progress.advance(task)
            time.sleep(0.25)
    return pending


def _report_findings(http: Any, base: str, token: str, reports: list[Resource]) -> list[Resource]:
    """The AI finding Observations each report results from."""
    found = []
    for report in reports:
        for result in report.get("result", []):
            reference = str(result.get("reference", ""))
            response = http.get(
                f"{base}/fhir/{reference}", headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == 200 and _finding_code(response.json()):
                found.append(response.json())
    return found


def _imaging_reports(http: Any, fhir: str, token: str, patient_id: str) -> list[Resource]:
    """radcds's reports on the patient's imaging, not the record's laboratory reports."""
    query = f"DiagnosticReport?subject=Patient/{patient_id}&category=RAD"
    return [r for r in _search(http, fhir, token, query) if r.get("imagingStudy")]


def _finding_code(resource: Resource) -> str | None:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if coding.get("system") == FINDING_SYSTEM:
            return str(coding.get("code"))
    return None


def _component(observation: Resource, code: str) -> Resource | None:
    for component in observation.get("component", []):
        if _finding_code(component) == code:
            found: Resource = component
            return found
    return None


def _priority(observations: list[Resource]) -> str:
    codes = []
    for observation in observations:
        component = _component(observation, "triage-priority")
        for coding in ((component or {}).get("valueCodeableConcept") or {}).get("coding", []):
            codes.append(str(coding.get("code")))
    return min(codes, key=lambda c: PRIORITY_RANK.get(c, 9), default="R")


def _ai_summary(observations: list[Resource]) -> str:
    parts = []
    for observation in observations:
        code, present = _finding_code(observation), observation.get("valueBoolean")
        if code == "intracranial-hemorrhage":
            volume = _component(observation, "ich-volume")
            ml = ((volume or {}).get("valueQuantity") or {}).get("value")
            parts.append(
                f"haemorrhage {ml:.1f} mL"
                if present and ml is not None
                else "haemorrhage"
                if present
                else "no haemorrhage"
            )
        elif code == "lung-nodule":
            size = _component(observation, "nodule-diameter")
            mm = ((size or {}).get("valueQuantity") or {}).get("value")
            parts.append(
                f"nodule {mm:.1f} mm"
                if present and mm is not None
                else "nodule"
                if present
                else "no nodule"
            )
    return ", ".join(parts) or "no finding (no model applied)"


def _truth_summary(truth: dict[str, Any]) -> str:
    if truth["finding"] == "ich":
        bleed = truth["haemorrhage"]
        return f"{bleed['kind']} haemorrhage {bleed['volume_ml']:.1f} mL ({bleed['compartment']})"
    if truth["finding"] == "nodule":
        sizes = ", ".join(f"{n['diameter_mm']:.1f} mm" for n in truth["nodules"])
        return f"{len(truth['nodules'])} nodule(s): {sizes}"
    return f"normal {truth['study']['body_part'].lower()} CT"


def _write_pdfs(out: Path, cohort: list[DemoPatient]) -> list[Path]:
    written = []
    for patient in cohort:
        for report in patient.reports:
            for number, form in enumerate(report.get("presentedForm", []), start=1):
                if form.get("contentType") != "application/pdf" or "data" not in form:
                    continue
                path = out / f"report-patient-{patient.ordinal}-{number}.pdf"
                path.write_bytes(base64.b64decode(form["data"]))
                written.append(path)
    return written


def _print_cards(cohort: list[DemoPatient]) -> None:
    colours = {"critical": "red", "warning": "yellow", "info": "cyan"}
    table = Table(title="CDS Hooks patient-view: the cards the EHR shows")
    for column in ("patient", "indicator", "summary"):
        table.add_column(column)
    for patient in cohort:
        for card in patient.cards or [{"indicator": "-", "summary": "(no card)"}]:
            indicator = str(card.get("indicator", ""))
            colour = colours.get(indicator, "white")
            table.add_row(patient.label, f"[{colour}]{indicator}[/]", str(card.get("summary")))
    console.print(table)


def _print_worklist(cohort: list[DemoPatient]) -> None:
    rows = sorted(
        (p for p in cohort if p.report_at),
        key=lambda p: (PRIORITY_RANK.get(_priority(p.findings), 9), p.report_at),
    )
    table = Table(title="Radiologist worklist (AI priority, then waiting longest)")
    for column in ("#", "patient", "AI priority", "report status"):
        table.add_column(column)
    for rank, patient in enumerate(rows, start=1):
        status = ", ".join(sorted({str(r.get("status")) for r in patient.reports}))
        label = PRIORITY_LABEL.get(_priority(patient.findings), "routine")
        table.add_row(str(rank), patient.label, label, status)
    console.print(table)


def _print_times(cohort: list[DemoPatient], stable_age_s: float) -> dict[int, float]:
    table = Table(
        title=f"Study to card (last image sent to card, minus the {stable_age_s:g} s stable age)"
    )
    table.add_column("patient")
    table.add_column("seconds", justify="right")
    times = {}
    for patient in cohort:
        if patient.card_at:
            times[patient.ordinal] = patient.card_at - patient.last_image_at - stable_age_s
            table.add_row(patient.label, f"{times[patient.ordinal]:.1f}")
        else:
            table.add_row(patient.label, "[red]no card[/]")
    console.print(table)
    return times


def _print_truth(cohort: list[DemoPatient]) -> None:
    table = Table(title="What the AI found vs the planted truth (truth.json)")
    for column in ("patient", "planted", "AI found", "agrees"):
        table.add_column(column)
    for patient in cohort:
        finding = patient.truth["finding"]
        present = {_finding_code(o) for o in patient.findings if o.get("valueBoolean")}
        expected = {"ich": {"intracranial-hemorrhage"}, "nodule": {"lung-nodule"}}.get(
            finding, set()
        )
        agrees = "[green]yes[/]" if present == expected else "[red]no[/]"
        if not patient.card_at:
            agrees = "[red]no result[/]"
        table.add_row(
            patient.label, _truth_summary(patient.truth), _ai_summary(patient.findings), agrees
        )
    console.print(table)


def _environment(data_dir: Path, ehr: EhrClientKey, stable_age_s: float) -> dict[str, str]:
    from radcds_synth.identity import MRN_SYSTEM

    return {
        "RADCDS_DATA_DIR": str(data_dir),
        "RADCDS_INGESTION_STABLE_AGE_S": f"{stable_age_s:g}",
        # The services' logs share the terminal with the demo: only what needs attention.
        "RADCDS_LOG_LEVEL": os.environ.get("RADCDS_LOG_LEVEL", "WARNING"),
        "RADCDS_DEV_ISSUER_KEY_FILE": str(data_dir / "dev-issuer.jwk"),
        "RADCDS_CDS_TRUSTED_ISSUERS": json.dumps({ehr.issuer: ehr.jwks_url}),
        # Ingestion finds the EHR's Patient by the MRN system the synthetic records use.
        "RADCDS_MRN_SYSTEM": MRN_SYSTEM,
        # A Redis that outlives one demo must not take this run's studies for repeats.
        "RADCDS_INFERENCE_KEY_PREFIX": f"radcds:demo:{uuid.uuid4().hex[:12]}",
    }


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
    import httpx
    from radcds_gateway.auth.development import DevelopmentIssuer, load_or_create_key

    from radcds_cli.main import RunningSuite

    console.print(SYNTHETIC_NOTICE)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    data_dir = Path(tempfile.mkdtemp(prefix="suite-", dir=out))
    ehr = EhrClientKey("127.0.0.1")
    ehr.start()
    os.environ.update(_environment(data_dir, ehr, stable_age))
    suite = SuiteSettings(data_dir=data_dir)
    running = RunningSuite(suite)
    ok = False
    try:
        if not running.start(startup_timeout):
            console.print("[red]not every service reached SERVING; stopping[/]")
            raise typer.Exit(1)
        running.describe()
        cohort = _cohort(out / "cohort", patients, seed, matrix, slices)
        issuer = DevelopmentIssuer(
            environment="development",
            audience="radcds-gateway",
            key=load_or_create_key(data_dir / "dev-issuer.jwk"),
        )
        token = issuer.issue(
            subject="radcds-demo", client_id="radcds-demo", scopes=SYSTEM_SCOPES, lifetime_s=3600
        )
        base = f"http://{suite.host}:{suite.gateway_http_port}"
        fhir = f"{base}/fhir"
        with httpx.Client(timeout=30.0) as http:
            _load_records(http, fhir, token, cohort)
            _send_studies(suite.host, suite.ingestion_dimse_port, cohort)
            late = _await_results(
                http, base, fhir, token, ehr, cohort, timeout, lambda: running.supervisor.stopping
            )
        _print_cards(cohort)
        _print_worklist(cohort)
        pdfs = _write_pdfs(out, cohort)
        times = _print_times(cohort, stable_age)
        _print_truth(cohort)
        summary = {
            "synthetic": True,
            "patients": [
                {
                    "ordinal": p.ordinal,
                    "finding": p.truth["finding"],
                    "indicators": [c.get("indicator") for c in p.cards],
                    "summaries": [c.get("summary") for c in p.cards],
                    "details": [c.get("detail") for c in p.cards],
                    "ai_findings": sorted(
                        {c for o in p.findings if o.get("valueBoolean") and (c := _finding_code(o))}
                    ),
                    "study_to_card_s": times.get(p.ordinal),
                }
                for p in cohort
            ],
            "pdfs": [str(p) for p in pdfs],
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        console.print(f"{len(pdfs)} report PDF(s) written to {out}")
        console.print(SYNTHETIC_NOTICE)
        if late:
            names = ", ".join(p.label for p in late)
            console.print(
                f"[red]no report and card within {timeout:g} s for: {names}[/] "
                "(the chain is ingestion -> inference (Triton) -> report)"
            )
        ok = not late
    except typer.Exit:
        raise
    except Exception as error:
        # A plain message: a traceback with its locals could show the records' contents.
        console.print(f"[red]demo failed: {type(error).__name__}: {error}[/]")
    finally:
        running.stop()
        ehr.stop()
    if not ok:
        raise typer.Exit(1)
