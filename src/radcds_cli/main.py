"""`radcds`: run the suite on one machine, and see how it is doing."""

import logging
import signal
import subprocess
import time
from typing import Annotated

import typer
from radcds_kit.health import health_status
from radcds_kit.ports import free_port
from rich.console import Console
from rich.table import Table

from radcds_cli.demo import demo
from radcds_cli.redis_local import EmbeddedRedis, redis_answers
from radcds_cli.suite import SERVICES, SuiteSettings
from radcds_cli.supervisor import Supervisor
from radcds_cli.synth import synth

app = typer.Typer(help="radcds: clinical decision support for AI in medical imaging.")
console = Console(stderr=True)
app.command()(synth)
app.command()(demo)


def _status_table(suite: SuiteSettings) -> tuple[Table, bool]:
    table = Table(title="radcds services")
    for column in ("service", "gRPC", "health", "also serves"):
        table.add_column(column)
    all_serving = True
    for service in SERVICES:
        status = health_status(suite.grpc_address(service))
        all_serving &= status == "SERVING"
        colour = "green" if status == "SERVING" else "red"
        table.add_row(service, suite.grpc_address(service), f"[{colour}]{status}[/]",
                      "\n".join(suite.endpoints(service)))  # fmt: skip
    return table, all_serving


@app.command()
def status() -> None:
    """Shows each service's gRPC health; exits 1 unless all are SERVING."""
    table, all_serving = _status_table(SuiteSettings())
    Console().print(table)
    raise typer.Exit(0 if all_serving else 1)


def _start_redis(suite: SuiteSettings) -> tuple[str, EmbeddedRedis | None]:
    url = suite.redis_url or "redis://127.0.0.1:6379/0"
    if redis_answers(url):
        return url, None
    embedded = EmbeddedRedis(suite.data_dir / "redis", free_port() if suite.redis_url else 6379)
    embedded.start()
    return embedded.url, embedded


def _wait_serving(supervisor: Supervisor, suite: SuiteSettings, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    with console.status("starting the services..."):
        while time.monotonic() < deadline and not supervisor.stopping:
            supervisor.tend()
            if all(health_status(suite.grpc_address(s)) == "SERVING" for s in SERVICES):
                return True
            time.sleep(0.25)
    return False


class RunningSuite:
    """The suite's processes and Redis, started together and stopped together."""

    def __init__(self, suite: SuiteSettings) -> None:
        self.suite = suite
        self.redis_url, self._embedded_redis = _start_redis(suite)
        self.supervisor = Supervisor(suite.commands(self.redis_url))

    def start(self, timeout_s: float) -> bool:
        with console.status("installing tritonserver (once)..."):
            subprocess.run([*self.suite.triton_command()[:1], "install"], check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        signal.signal(signal.SIGTERM, self.supervisor.request_stop)
        signal.signal(signal.SIGINT, self.supervisor.request_stop)
        self.supervisor.start()
        return _wait_serving(self.supervisor, self.suite, timeout_s)

    def stop(self) -> None:
        console.print("stopping radcds...")
        self.supervisor.stop()
        if self._embedded_redis is not None:
            self._embedded_redis.stop()
        console.print("stopped.")

    def describe(self) -> None:
        console.print(_status_table(self.suite)[0])
        embedded = " (embedded)" if self._embedded_redis else ""
        console.print(f"Redis {self.redis_url}{embedded}")


@app.command()
def up(
    startup_timeout: Annotated[float, typer.Option(help="Seconds to wait for SERVING.")] = 60.0,
) -> None:
    """Starts the whole suite on this machine with its embedded defaults.

    Each service runs as its own supervised process; Ctrl-C or SIGTERM stops
    them all.
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    running = RunningSuite(SuiteSettings())
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
