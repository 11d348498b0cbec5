"""Runs each service as its own process and keeps it running.

A service that exits is started again after a backoff that doubles up to a
ceiling; the warning says how it ended and shows its last lines of output.
Stopping sends SIGTERM to every service, waits for them to finish their
in-flight work, and kills only what is still there after the grace period.
Children die with the supervisor even if it is killed outright
(PR_SET_PDEATHSIG), so nothing is left behind.

With a log folder, each child's stdout and stderr go to `<name>.log` there,
copied to `<name>.log.1` and truncated when it outgrows its limit (logrotate's
copytruncate: the child keeps writing to the same open file); without one,
they share the supervisor's terminal.
"""

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
# A crashed child's last lines shown in the restart warning, and how far back they are sought.
_TAIL_LINES = 15
_TAIL_BYTES = 16_384


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ServiceProcess:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    backoff_s: float = 0.5
    next_start: float = 0.0
    started_at: float = field(default=0.0)
    held: bool = False
    _log_start: int = 0

    def start(self) -> None:
        output = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            output = self.log_path.open("ab")
            self._log_start = output.tell()
        try:
            self.process = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                preexec_fn=_die_with_parent,  # only sets the death signal; no locks taken
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own descriptor
        self.started_at = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rotate_log(self, max_bytes: int) -> None:
        """Copies the log to `.1` and truncates it once it is larger than max_bytes."""
        if self.log_path is None or not self.log_path.exists():
            return
        if self.log_path.stat().st_size <= max_bytes:
            return
        shutil.copyfile(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
        os.truncate(self.log_path, 0)
        self._log_start = 0

    def last_lines(self) -> list[str]:
        """The end of what this run of the process wrote, when it writes to a file."""
        if self.log_path is None or not self.log_path.exists():
            return []
        with self.log_path.open("rb") as file:
            end = file.seek(0, os.SEEK_END)
            start = max(self._log_start if self._log_start <= end else 0, end - _TAIL_BYTES)
            file.seek(start)
            text = file.read().decode(errors="replace")
        lines = text.splitlines()[1 if start > self._log_start else 0 :]
        return lines[-_TAIL_LINES:]


class Supervisor:
    """Starts, watches, restarts and stops the suite's service processes."""

    def __init__(
        self,
        commands: Mapping[str, tuple[list[str], Mapping[str, str]]],
        *,
        max_backoff_s: float = 30.0,
        grace_s: float = 15.0,
        log_dir: Path | None = None,
        max_log_bytes: int = 20 * 1024**2,
    ) -> None:
        """`commands` maps each process's name to its argv and extra environment; `log_dir`,
        when given, gets one log file per process."""
        self.log_dir = log_dir
        self.services = [
            ServiceProcess(name, argv, env, log_dir / f"{name}.log" if log_dir else None)
            for name, (argv, env) in commands.items()
        ]
        self._max_backoff_s = max_backoff_s
        self._max_log_bytes = max_log_bytes
        self._grace_s = grace_s
        self._stopping = False
        # tend, hold and release may come from different threads (a test drives faults).
        self._lock = threading.Lock()

    def start(self) -> None:
        for service in self.services:
            service.start()

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def service(self, name: str) -> ServiceProcess:
        return next(s for s in self.services if s.name == name)

    def tend(self) -> None:
        """Restarts services that exited, each after its backoff; rotates their logs."""
        with self._lock:
            now = time.monotonic()
            for service in self.services:
                if not (self._stopping or service.held or service.alive):
                    self._restart(service, now)
                service.rotate_log(self._max_log_bytes)

    def _restart(self, service: ServiceProcess, now: float) -> None:
        if service.next_start == 0.0:
            self._exited(service, now)
        elif now >= service.next_start:
            service.restarts += 1
            service.next_start = 0.0
            service.start()

    def _exited(self, service: ServiceProcess, now: float) -> None:
        assert service.process is not None
        lines = service.last_lines()
        tail = "".join(f"\n  {service.name}| {line}" for line in lines)
        where = f" (log: {service.log_path})" if service.log_path else ""
        log.warning("%s exited with %s; restarting%s%s", service.name,
                    service.process.returncode, where, tail)  # fmt: skip
        if now - service.started_at > 60:
            service.backoff_s = 0.5
        service.next_start = now + service.backoff_s
        service.backoff_s = min(service.backoff_s * 2, self._max_backoff_s)

    def hold(self, name: str) -> None:
        """Stops one process (SIGTERM, then SIGKILL after the grace period) and keeps it
        stopped until `release`."""
        service = self.service(name)
        with self._lock:
            service.held = True
        self._terminate([service])

    def release(self, name: str) -> None:
        """Starts a held process again."""
        service = self.service(name)
        with self._lock:
            service.held, service.next_start = False, 0.0
            if not service.alive:
                service.start()

    def stop(self) -> None:
        """SIGTERM to all, then SIGKILL to whatever outlives the grace period."""
        self._stopping = True
        self._terminate(self.services)

    def _terminate(self, services: list[ServiceProcess]) -> None:
        for service in services:
            if service.alive:
                assert service.process is not None
                service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace_s
        for service in services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", service.name)
                service.process.kill()
                service.process.wait()
