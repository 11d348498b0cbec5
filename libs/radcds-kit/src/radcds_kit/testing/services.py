"""Runs a radcds service as its own process, as `radcds up` does, for a test."""

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from radcds_kit.health import health_status
from radcds_kit.testing.servers import free_port


@dataclass
class ServiceProcess:
    """One `python -m radcds_<name>` process on an ephemeral gRPC port."""

    name: str
    env: Mapping[str, str] = field(default_factory=dict)
    grpc_port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> "ServiceProcess":
        env = {
            **os.environ,
            f"RADCDS_{self.name.upper()}_GRPC_PORT": str(self.grpc_port),
            "RADCDS_HEALTH_INTERVAL_S": "0.2",
            **self.env,
        }
        self._process = subprocess.Popen([sys.executable, "-m", f"radcds_{self.name}"], env=env)
        return self

    def wait_serving(self, timeout_s: float = 30.0) -> None:
        self.wait_status("SERVING", timeout_s)

    def wait_status(self, expected: str, timeout_s: float = 30.0) -> None:
        """Waits until the overall grpc.health.v1 status is `expected`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self._process.returncode}")
            if health_status(self.address) == expected:
                return
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not {expected} within {timeout_s} s")

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM, then the exit code; SIGKILL only if it does not stop in time."""
        assert self._process is not None
        self._process.terminate()
        try:
            return self._process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise
