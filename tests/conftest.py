"""Fixtures shared across the suite-wide tests (e2e, security, chaos)."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from radcds_kit.ports import free_port

from radcds_cli.suite import SuiteSettings

SUITE_PORTS = SuiteSettings.port_variables()


@dataclass(frozen=True)
class DemoRun:
    """One whole `radcds demo` run: its output folder and what it printed."""

    out: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def log_files(self) -> list[Path]:
        """Every log file the run's processes wrote (the suite's data/log folder)."""
        return sorted(p for p in self.out.glob("suite-*/log/*") if p.is_file())


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> DemoRun:
    """`radcds demo` with two patients (haemorrhage and nodule), run once per session."""
    env = {**os.environ, "RADCDS_REDIS_URL": redis_url, "RADCDS_INGESTION_MIN_FREE_BYTES": "0"}
    env.update({variable: str(free_port()) for variable in SUITE_PORTS})
    out = tmp_path_factory.mktemp("demo") / "out"
    command = [sys.executable, "-m", "radcds_cli", "demo", "--patients", "2", "--seed", "1",
               "--out", str(out), "--timeout", "180"]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=290)
    return DemoRun(out, result.returncode, result.stdout, result.stderr)
