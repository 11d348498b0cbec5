"""Server-side state of the web app: logins under way and signed-in sessions.

The browser holds only an opaque, random cookie; tokens and the launch context stay here,
so that nothing about the patient travels in a URL. Kept in memory: one gateway replica
serves a session (sticky sessions behind a load balancer).
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from radcds_gateway.auth import AccessToken

V = TypeVar("V")


@dataclass(frozen=True)
class LaunchContext:
    """What an EHR launch's opaque handle stands for (see cds.ledger)."""

    handle: str
    patient: str
    subjects: tuple[str, ...]
    service: str
    card: str


@dataclass(frozen=True)
class PendingLogin:
    code_verifier: str
    redirect_uri: str
    context: LaunchContext | None


@dataclass(frozen=True)
class WebSession:
    raw_token: str
    token: AccessToken
    context: LaunchContext | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def practitioner(self) -> str | None:
        user = self.token.fhir_user or ""
        return user if user.startswith("Practitioner/") else None


class ExpiringStore(Generic[V]):
    """Values under random keys, each dropped after `ttl_s`."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._items: dict[str, tuple[float, V]] = {}

    def add(self, value: V) -> str:
        self._expire()
        key = secrets.token_urlsafe(32)
        self._items[key] = (self._clock() + self._ttl_s, value)
        return key

    def get(self, key: str) -> V | None:
        item = self._items.get(key)
        if item is None or item[0] < self._clock():
            return None
        return item[1]

    def pop(self, key: str) -> V | None:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def _expire(self) -> None:
        now = self._clock()
        for key in [k for k, (deadline, _) in self._items.items() if deadline < now]:
            del self._items[key]
