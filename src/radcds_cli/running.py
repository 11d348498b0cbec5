"""The suite as one thing: Redis, Triton and the services, started and stopped together."""

import signal
import subprocess
import time

from radcds_kit.health import health_status
from radcds_kit.ports import free_port
from rich.console import Console
from rich.table import Table

from radcds_cli.redis_local import EmbeddedRedis, redis_answers
from radcds_cli.suite import SERVICES, SuiteSettings
from radcds_cli.supervisor import Supervisor

console = Console(stderr=True)


def status_table(suite: SuiteSettings) -> tuple[Table, bool]:
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


def _start_redis(suite: SuiteSettings) -> tuple[str, EmbeddedRedis | None]:
    url = suite.redis_url or "redis://127.0.0.1:6379/0"
    if redis_answers(url):
        return url, None
    embedded = EmbeddedRedis(suite.data_dir / "redis", free_port() if suite.redis_url else 6379)
    embedded.start()
    return embedded.url, embedded


def all_serving(suite: SuiteSettings) -> bool:
    return all(health_status(suite.grpc_address(s)) == "SERVING" for s in SERVICES)


def _wait_serving(supervisor: Supervisor, suite: SuiteSettings, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    with console.status("starting the services..."):
        while time.monotonic() < deadline and not supervisor.stopping:
            supervisor.tend()
            if all_serving(suite):
                return True
            time.sleep(0.25)
    return False


class RunningSuite:
    """The suite's processes and Redis, started together and stopped together.

    Each child's output goes to its own file in the suite's log folder, unless
    `logs_to_terminal`.
    """

    def __init__(self, suite: SuiteSettings, *, logs_to_terminal: bool = False) -> None:
        self.suite = suite
        self.redis_url, self._embedded_redis = _start_redis(suite)
        log_dir = None if logs_to_terminal else suite.log_dir
        self.supervisor = Supervisor(suite.commands(self.redis_url), log_dir=log_dir)

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
        console.print(status_table(self.suite)[0])
        embedded = " (embedded)" if self._embedded_redis else ""
        console.print(f"Redis {self.redis_url}{embedded}")
        if self.supervisor.log_dir is not None:
            console.print(f"Logs: {self.supervisor.log_dir} (one file per process)")


__all__ = ["RunningSuite", "all_serving", "status_table"]
