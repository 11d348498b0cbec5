"""A real tritonserver for tests: scripts/triton.sh (the nvidia-pytriton wheel's server)
serving the repository's models/ on the CPU, on ephemeral ports."""

import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from radcds_kit.ports import free_port


@dataclass
class TritonServer:
    """tritonserver from scripts/triton.sh on ephemeral ports; stop() and start() keep them."""

    script: Path
    log_path: Path
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    start_seconds: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def ready(self) -> bool:
        url = f"http://127.0.0.1:{self.http_port}/v2/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def start(self, timeout_s: float = 120.0) -> None:
        ports = [
            "--http-port",
            str(self.http_port),
            "--grpc-port",
            str(self.grpc_port),
            "--metrics-port",
            str(self.metrics_port),
        ]
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                ["bash", str(self.script), "run", *ports], stdout=log, stderr=subprocess.STDOUT
            )
        while not self.ready():
            if self._process.poll() is not None:
                raise RuntimeError(f"tritonserver exited; see {self.log_path}")
            if time.monotonic() - began > timeout_s:
                raise TimeoutError("tritonserver not ready")
            time.sleep(0.1)
        self.start_seconds.append(time.monotonic() - began)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
