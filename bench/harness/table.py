"""One table of every benchmark's figures: as text for the terminal, as Markdown for docs."""

from __future__ import annotations

from typing import Any

from harness.machine import machine_line
from harness.result import BenchResult, Figure

COLUMNS = ("benchmark", "figure", "value", "reference", "ratio", "aim", "met?", "load")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def _met(figure: Figure) -> str:
    return {True: "yes", False: "NO", None: "-"}[figure.met]


def figure_row(result: BenchResult, figure: Figure) -> tuple[str, ...]:
    value = f"{_number(figure.value)} {figure.unit}".strip()
    reference = "-"
    if figure.reference is not None:
        reference = f"{_number(figure.reference)} {figure.unit} ({figure.reference_name})"
    aim = figure.aim.describe(figure.unit) if figure.aim else "-"
    load = f"{result.load_before:.1f}->{result.load_after:.1f}"
    return (
        result.benchmark,
        figure.name,
        value,
        reference,
        _number(figure.ratio),
        aim,
        _met(figure),
        load,
    )


def rows(results: list[BenchResult]) -> list[tuple[str, ...]]:
    table: list[tuple[str, ...]] = []
    for result in results:
        if result.error:
            table.append((result.benchmark, f"FAILED: {result.error}", *["-"] * 6))
        table += [figure_row(result, figure) for figure in result.figures]
    return table


def text_table(results: list[BenchResult]) -> str:
    body = rows(results)
    widths = [max(len(r[i]) for r in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    header = "  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))
    return "\n".join([header, "  ".join("-" * w for w in widths), *lines])


def markdown_table(results: list[BenchResult]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"

    separator = "|" + "|".join("---" for _ in COLUMNS) + "|"
    return "\n".join([line(COLUMNS), separator, *(line(r) for r in rows(results))])


def timings(results: list[BenchResult]) -> str:
    """When each benchmark started and how long it ran: rows may come from several runs."""
    return "; ".join(f"{r.benchmark} {r.seconds:.0f} s from {r.started}" for r in results)


def report(run: dict[str, Any], results: list[BenchResult], *, markdown: bool = False) -> str:
    """The table with what it ran on and how: the whole of `make bench`'s printed answer."""
    mode = "quick (smaller sizes: aims judged on them are indicative)" if run["quick"] else "full"
    title = f"radcds bench, {run['started']} UTC, {mode}, {run['seconds']:.0f} s"
    if run.get("merged_from"):
        title += f", with the rows of earlier runs (from {run['merged_from']}) it did not repeat"
    head = [title, f"machine: {machine_line(run['machine'])}", ""]
    table = markdown_table(results) if markdown else text_table(results)
    return "\n".join([*head, table, "", f"timings: {timings(results)}"]) + "\n"
