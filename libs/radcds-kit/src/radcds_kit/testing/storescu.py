"""dcmtk's storescu as a PACS in tests: which files got a success status, as they come."""

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

# Debian's dcmtk, not the same-named script pynetdicom puts in the virtual environment.
STORESCU = "/usr/bin/storescu"


def storescu(
    port: int,
    paths: list[Path],
    *,
    calling_ae: str = "STORESCU",
    on_success: Callable[[int], None] = lambda _count: None,
) -> set[Path]:
    """Sends `paths` to 127.0.0.1:`port` (called AE RADCDS) in one association, with
    TCP_NODELAY; calls `on_success(count)` after each success status. Returns the files
    whose C-STORE got one."""
    command = [STORESCU, "-v", "-aet", calling_ae, "-aec", "RADCDS", "127.0.0.1", str(port)]
    sender = subprocess.Popen(
        [*command, *map(str, paths)],
        env={**os.environ, "TCP_NODELAY": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    acknowledged: set[Path] = set()
    current: Path | None = None
    assert sender.stdout is not None
    for line in sender.stdout:
        if line.startswith("I: Sending file: "):
            current = Path(line.removeprefix("I: Sending file: ").strip())
        elif "Received Store Response (Success)" in line and current is not None:
            acknowledged.add(current)
            on_success(len(acknowledged))
    sender.wait()
    return acknowledged
