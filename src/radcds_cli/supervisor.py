"""Runs each service as its own process and keeps it running.

A service that exits is started again after a backoff that doubles up to a
ceiling. Stopping sends SIGTERM to every service, waits for them to finish
their in-flight work, and kills only what is still there after the grace
period. Children die with the supervisor even if it is killed outright
(PR_SET_PDEATHSIG), so nothing is left behind.
"""

import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ServiceProcess:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    backoff_s: float = 0.5
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env={**os.environ, **self.env},
            preexec_fn=_die_with_parent,  # only sets the death signal; no locks taken
            start_new_session=True,
        )
        self.started_at = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts, watches, restarts and stops the suite's service processes."""

    def __init__(self, commands: Mapping[str, tuple[list[str], Mapping[str, str]]], *,
                 max_backoff_s: float = 30.0, grace_s: float = 15.0) -> None:  # fmt: skip
        """`commands` maps each process's name to its argv and extra environment."""
        self.services = [ServiceProcess(name, argv, env) for name, (argv, env) in commands.items()]
        self._max_backoff_s = max_backoff_s
        self._grace_s = grace_s
        self._stopping = False

    def start(self) -> None:
        for service in self.services:
            service.start()

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def tend(self) -> None:
        """Restarts services that exited, each after its backoff."""
        now = time.monotonic()
        for service in self.services:
            if self._stopping or service.alive:
                continue
            if service.next_start == 0.0:
                assert service.process is not None
                log.warning("%s exited with %s", service.name, service.process.returncode)
                if now - service.started_at > 60:
                    service.backoff_s = 0.5
                service.next_start = now + service.backoff_s
                service.backoff_s = min(service.backoff_s * 2, self._max_backoff_s)
            elif now >= service.next_start:
                service.restarts += 1
                service.next_start = 0.0
                service.start()

    def stop(self) -> None:
        """SIGTERM to all, then SIGKILL to whatever outlives the grace period."""
        self._stopping = True
        for service in self.services:
            if service.alive:
                assert service.process is not None
                service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace_s
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", service.name)
                service.process.kill()
                service.process.wait()
