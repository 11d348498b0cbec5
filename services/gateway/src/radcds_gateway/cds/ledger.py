"""What radcds remembers about the cards it sent, in Redis: which service and model made
each card (so feedback can be counted per model version), and the opaque appContext
handles the web page resolves. Losing it degrades links and feedback, never the answer."""

import asyncio
import json
import logging
import secrets
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from radcds_gateway.cds.card_parts import CardDraft

log = logging.getLogger(__name__)
CARD_PREFIX = "radcds:cds:card:"
HANDLE_PREFIX = "radcds:cds:context:"


class CardLedger:
    def __init__(self, redis: "Redis", ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def keep(
        self, service_id: str, patient_id: str, drafts: list[CardDraft], timeout_s: float
    ) -> dict[str, str]:
        """Records the cards; returns card uuid -> appContext handle for those with links."""
        handles = {d.uuid: secrets.token_urlsafe(18) for d in drafts if d.links}
        pipe = self._redis.pipeline(transaction=False)
        for draft in drafts:
            facts = {"service": service_id, "model": draft.model.name,
                     "version": draft.model.version}  # fmt: skip
            pipe.set(CARD_PREFIX + draft.uuid, json.dumps(facts), ex=self._ttl_s)
            if draft.uuid in handles:
                context = {"patient": patient_id, "subjects": draft.subjects,
                           "service": service_id, "card": draft.uuid}  # fmt: skip
                pipe.set(HANDLE_PREFIX + handles[draft.uuid], json.dumps(context), ex=self._ttl_s)
        try:
            async with asyncio.timeout(timeout_s):
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("card ledger unavailable", extra={"error": type(error).__name__})
            return {}
        return handles

    async def card_facts(self, card_uuid: str) -> dict[str, Any] | None:
        return await self._get(CARD_PREFIX + card_uuid)

    async def resolve_handle(self, handle: str) -> dict[str, Any] | None:
        """What an appContext handle stands for: the patient and the FHIR references."""
        return await self._get(HANDLE_PREFIX + handle)

    async def _get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = await self._redis.get(key)
        except (RedisError, OSError) as error:
            log.warning("card ledger unavailable", extra={"error": type(error).__name__})
            return None
        value = json.loads(raw) if raw else None
        return value if isinstance(value, dict) else None
