"""`radcds`: run the suite on one machine, and see how it is doing."""

import logging
import time
from typing import Annotated

import typer
from rich.console import Console

from radcds_cli.demo import demo
from radcds_cli.running import RunningSuite, status_table
from radcds_cli.suite import SuiteSettings
from radcds_cli.synth import synth

app = typer.Typer(help="radcds: clinical decision support for AI in medical imaging.")
console = Console(stderr=True)
app.command()(synth)
app.command()(demo)


@app.command()
def status() -> None:
    """Shows each service's gRPC health; exits 1 unless all are SERVING."""
    table, all_serving = status_table(SuiteSettings())
    Console().print(table)
    raise typer.Exit(0 if all_serving else 1)


@app.command()
def up(
    startup_timeout: Annotated[float, typer.Option(help="Seconds to wait for SERVING.")] = 60.0,
    logs: Annotated[
        bool, typer.Option("--logs", help="Show Triton's and the services' logs here.")
    ] = False,
) -> None:
    """Starts the whole suite on this machine with its embedded defaults.

    Each service runs as its own supervised process; Ctrl-C or SIGTERM stops
    them all. Their logs go to one file each under the data folder's log/,
    or with --logs to this terminal.
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    running = RunningSuite(SuiteSettings(), logs_to_terminal=logs)
    started = False
    try:
        started = running.start(startup_timeout)
        running.describe()
        if started:
            console.print("radcds is up. Ctrl-C stops it.")
        elif not running.supervisor.stopping:
            console.print("[red]not every service reached SERVING; stopping[/]")
            running.supervisor.request_stop()
        while not running.supervisor.stopping:
            running.supervisor.tend()
            time.sleep(0.25)
    finally:
        running.stop()
    if not started:
        raise typer.Exit(1)
