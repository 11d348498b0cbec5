"""When the cached JWKS is fetched again: stale, or a token names a key it lacks."""

from typing import Any

import pytest
from jwcrypto import jwk  # type: ignore[import-untyped]
from radcds_kit.oidc.jwks import JwksCache

pytestmark = pytest.mark.unit


class KeySource:
    def __init__(self) -> None:
        self.keys = [jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig")]
        self.fetches = 0

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [key.export_public(as_dict=True) for key in self.keys]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_keys_are_fetched_once_while_fresh() -> None:
    source, clock = KeySource(), Clock()
    cache = JwksCache(source.fetch, max_age_s=300, clock=clock)
    await cache.keys_for("k1")
    clock.now += 299
    assert (await cache.keys_for("k1")).get_key("k1") is not None
    assert source.fetches == 1
    clock.now += 2
    await cache.keys_for("k1")
    assert source.fetches == 2


async def test_an_unknown_key_id_refetches_at_most_once_per_interval() -> None:
    source, clock = KeySource(), Clock()
    cache = JwksCache(source.fetch, min_refresh_interval_s=10, clock=clock)
    await cache.keys_for("k1")
    source.keys.append(jwk.JWK.generate(kty="RSA", size=2048, kid="k2", use="sig"))
    clock.now += 5
    assert (await cache.keys_for("k2")).get_key("k2") is None
    clock.now += 6
    assert (await cache.keys_for("k2")).get_key("k2") is not None
    await cache.keys_for("made-up")
    assert source.fetches == 2
