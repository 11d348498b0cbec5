"""The suite under fault: `radcds up`'s supervisor, driven from the test, on its own Redis.

The Redis is a real redis-server with an append-only file fsynced on every write (the
suite's embedded default), so restarting it loses nothing it acknowledged.
"""

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from radcds_kit.ports import free_port

from radcds_cli.redis_local import EmbeddedRedis, redis_answers
from radcds_cli.running import all_serving
from radcds_cli.suite import SuiteSettings
from radcds_cli.supervisor import Supervisor

STABLE_AGE_S = 3.0  # the demo's


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "chaos: faults injected into the running suite (kill -9, restarts); minutes"
    )


class ChaosSuite:
    """The whole suite under a supervisor that a background thread tends, as `radcds up`
    does; the test kills, holds and releases its processes."""

    def __init__(self, data_dir: Path) -> None:
        ports = ("gateway_grpc", "gateway_http", "ingestion_grpc", "ingestion_dimse",
                 "ingestion_dicomweb", "inference_grpc", "risk_grpc", "report_grpc",
                 "triton_http", "triton_grpc", "triton_metrics")  # fmt: skip
        self.settings = SuiteSettings(
            data_dir=data_dir, **{f"{p}_port": free_port() for p in ports}
        )
        self.redis = EmbeddedRedis(data_dir / "redis", free_port())
        self.key_prefix = f"radcds:chaos:{uuid.uuid4().hex[:12]}"
        self.supervisor = Supervisor(self._commands(), log_dir=self.settings.log_dir)
        self._tending = threading.Event()
        self._tender = threading.Thread(target=self._tend, daemon=True)

    def _commands(self) -> dict[str, tuple[list[str], dict[str, str]]]:
        data_dir = self.settings.data_dir
        extra = {
            "RADCDS_INGESTION_STABLE_AGE_S": f"{STABLE_AGE_S:g}",
            "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
            "RADCDS_DEV_ISSUER_KEY_FILE": str(data_dir / "dev-issuer.jwk"),
            "RADCDS_INFERENCE_KEY_PREFIX": self.key_prefix,
            # A killed worker's entry is taken over after this idle time (default 30 s).
            "RADCDS_INFERENCE_CLAIM_IDLE_MS": "3000",
            "RADCDS_LOG_LEVEL": "INFO",
        }
        commands = self.settings.commands(self.redis.url)
        return {name: (argv, {**env, **extra}) for name, (argv, env) in commands.items()}

    def _tend(self) -> None:
        while self._tending.is_set():
            self.supervisor.tend()
            time.sleep(0.2)

    def start(self) -> None:
        script = self.settings.triton_command()[0]
        subprocess.run([script, "install"], check=True, capture_output=True)
        self.redis.start()
        self.supervisor.start()
        self._tending.set()
        self._tender.start()

    def stop(self) -> None:
        self._tending.clear()
        if self._tender.is_alive():
            self._tender.join()
        self.supervisor.stop()
        self.redis.stop()

    def wait_serving(self, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not all_serving(self.settings):
            if time.monotonic() > deadline:
                raise AssertionError(f"not all SERVING after {timeout_s:g} s; {self.log_tails()}")
            time.sleep(0.25)

    def kill(self, name: str) -> int:
        """kill -9 one process; the supervisor starts it again."""
        process = self.supervisor.service(name).process
        assert process is not None
        assert process.poll() is None, f"{name} is not running"
        os.kill(process.pid, signal.SIGKILL)
        return process.pid

    def restart_redis(self) -> None:
        self.redis.stop()
        self.redis.start()
        assert redis_answers(self.redis.url)

    def log_tails(self, lines: int = 15) -> str:
        tails = []
        for path in sorted(self.settings.log_dir.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"\n--- {path.name}\n" + "\n".join(text))
        return "".join(tails)


@pytest.fixture
def chaos_suite(tmp_path: Path) -> Iterator[ChaosSuite]:
    suite = ChaosSuite(tmp_path / "var")
    suite.start()
    try:
        yield suite
    finally:
        suite.stop()
