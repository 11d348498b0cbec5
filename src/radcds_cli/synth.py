"""`radcds synth`: write synthetic patients (CT study, ground truth, FHIR record) to a folder."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

_COMPRESSIONS = ("none", "rle", "jpeg2000")


def synth(
    patients: Annotated[int, typer.Option(min=1, help="How many patients to generate.")] = 10,
    mix: Annotated[
        str, typer.Option(help="Shares of findings, e.g. ich=0.3,nodule=0.3,normal=0.4.")
    ] = "ich=0.3,nodule=0.3,normal=0.4",
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    out: Annotated[Path, typer.Option(help="Folder to write the cohort into.")] = Path("synth-out"),
    matrix: Annotated[int, typer.Option(help="Rows and columns of each slice.")] = 64,
    slices: Annotated[int, typer.Option(help="Slices per series.")] = 16,
    compression: Annotated[
        str, typer.Option(help="Transfer syntax: none, rle or jpeg2000 (both lossless).")
    ] = "none",
    as_of: Annotated[
        str | None,
        typer.Option(
            help="ISO 8601 moment the records are current at (UTC unless it has a zone); "
            "studies and records are dated in the hours before it. Default: now."
        ),
    ] = None,
) -> None:
    """Generate synthetic head and chest CT studies with known ground truth and FHIR records."""
    # Imported here: the record libraries take seconds to load, and every radcds command
    # would pay for them at start-up.
    from radcds_synth import SeriesSize, generate_cohort, parse_mix

    if compression not in _COMPRESSIONS:
        raise typer.BadParameter(f"expected none, rle or jpeg2000, not {compression!r}")
    try:
        shares = parse_mix(mix)
        size = SeriesSize(matrix=matrix, slices=slices)
        moment = dt.datetime.fromisoformat(as_of) if as_of else None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=False) as progress:
        task = progress.add_task("Writing slices", total=patients * slices)
        truths = generate_cohort(
            out,
            patients=patients,
            mix=shares,
            seed=seed,
            size=size,
            compression=compression,  # type: ignore[arg-type]
            on_slice=lambda _index: progress.advance(task),
            as_of=moment,
        )
    _summarise(Counter(t["finding"] for t in truths), out)


def _summarise(findings: Counter[str], out: Path) -> None:
    table = Table(title=f"Synthetic cohort in {out}")
    table.add_column("finding")
    table.add_column("patients", justify="right")
    for finding, count in sorted(findings.items()):
        table.add_row(finding, str(count))
    Console().print(table)
