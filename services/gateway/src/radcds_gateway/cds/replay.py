"""Single-use markers in Redis: JWT `jti` replay (CDS Hooks 2.0, "Trusting CDS Clients":
`jti` protects against replay attacks)."""

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "radcds:cds:jti:"


class ReplayGuard:
    def __init__(self, redis: "Redis") -> None:
        self._redis = redis

    async def first_use(self, digest: str, ttl_s: int) -> bool:
        """True the first time `digest` is seen within ttl_s; False on a replay.

        Fails closed: when Redis cannot answer, no token is accepted.
        """
        try:
            created = await self._redis.set(PREFIX + digest, b"1", nx=True, ex=ttl_s)
        except (RedisError, OSError) as error:
            log.warning("jti replay store unavailable", extra={"error": type(error).__name__})
            return False
        return bool(created)
