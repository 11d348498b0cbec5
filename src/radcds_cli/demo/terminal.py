"""What the demo shows on the terminal: progress bars and its tables.

Nothing printed names a patient: patients are shown by ordinal.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from radcds_cli.demo.cohort import DemoPatient
from radcds_cli.demo.findings import (
    EXPECTED_FINDINGS,
    PRIORITY_LABEL,
    PRIORITY_RANK,
    ai_summary,
    present_findings,
    priority,
    truth_summary,
)

SYNTHETIC_NOTICE = (
    "[bold yellow]The demo models are trained on synthetic data and are not for clinical "
    "use.[/] Every AI result is preliminary until a clinician signs the report."
)
console = Console()


def progress() -> Progress:
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console)


def print_cards(cohort: list[DemoPatient]) -> None:
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


def print_worklist(cohort: list[DemoPatient]) -> None:
    rows = sorted(
        (p for p in cohort if p.report_at),
        key=lambda p: (PRIORITY_RANK.get(priority(p.findings), 9), p.report_at),
    )
    table = Table(title="Radiologist worklist (AI priority, then waiting longest)")
    for column in ("#", "patient", "AI priority", "report status"):
        table.add_column(column)
    for rank, patient in enumerate(rows, start=1):
        status = ", ".join(sorted({str(r.get("status")) for r in patient.reports}))
        label = PRIORITY_LABEL.get(priority(patient.findings), "routine")
        table.add_row(str(rank), patient.label, label, status)
    console.print(table)


def print_times(cohort: list[DemoPatient], stable_age_s: float) -> dict[int, float]:
    """Prints each study's last-image-to-card time, less the stable age; returns them."""
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


def print_truth(cohort: list[DemoPatient]) -> None:
    table = Table(title="What the AI found vs the planted truth (truth.json)")
    for column in ("patient", "planted", "AI found", "agrees"):
        table.add_column(column)
    for patient in cohort:
        expected = EXPECTED_FINDINGS.get(patient.truth["finding"], set())
        agrees = "[green]yes[/]" if present_findings(patient.findings) == expected else "[red]no[/]"
        if not patient.card_at:
            agrees = "[red]no result[/]"
        table.add_row(
            patient.label, truth_summary(patient.truth), ai_summary(patient.findings), agrees
        )
    console.print(table)
