"""The machine a bench run measured: what a figure means depends on it."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(REPOSITORY), *args], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def describe_machine() -> dict[str, Any]:
    """CPU, cores, memory, load average, OS and Python, and the code's git commit."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "git_commit": _git("rev-parse", "--short=12", "HEAD"),
        # Uncommitted changes in the tree: the figures are of the tree, not of the commit alone.
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def machine_line(machine: dict[str, Any]) -> str:
    load = " ".join(f"{x:.2f}" for x in machine.get("load_average", []))
    dirty = " (with uncommitted changes)" if machine.get("git_dirty") else ""
    return (
        f"{machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('memory_gib')} GiB; "
        f"load average {load} at the start; {machine.get('os')}, Python {machine.get('python')}; "
        f"commit {machine.get('git_commit')}{dirty}"
    )
