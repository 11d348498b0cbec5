"""A cached JSON Web Key Set, refreshed when stale or when a token names an unknown key."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from jwcrypto import jwk  # type: ignore[import-untyped]

FetchJwks = Callable[[], Awaitable[dict[str, Any]]]


class JwksCache:
    def __init__(
        self,
        fetch: FetchJwks,
        *,
        max_age_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._max_age_s = max_age_s
        # Bounds how often tokens with made-up key ids can make us call the issuer.
        self._min_refresh_interval_s = min_refresh_interval_s
        self._clock = clock
        self._keys = jwk.JWKSet()
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def keys_for(self, kid: str | None) -> jwk.JWKSet:
        if self._needs_refresh(kid):
            async with self._lock:
                if self._needs_refresh(kid):
                    await self._refresh()
        return self._keys

    def _needs_refresh(self, kid: str | None) -> bool:
        if self._fetched_at is None:
            return True
        age = self._clock() - self._fetched_at
        unknown = kid is not None and self._keys.get_key(kid) is None
        return age > self._max_age_s or (unknown and age > self._min_refresh_interval_s)

    async def _refresh(self) -> None:
        document = await self._fetch()
        keys = jwk.JWKSet()
        for key in document.get("keys", []):
            if key.get("use", "sig") == "sig":
                keys.add(jwk.JWK(**key))
        self._keys = keys
        self._fetched_at = self._clock()
