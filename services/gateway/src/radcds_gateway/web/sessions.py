"""Server-side state of the web app, in Redis: logins under way and signed-in sessions.

The browser holds only an opaque, random cookie; the token and the launch context stay
here, so that nothing about the patient travels in a URL. Kept in Redis (RADCDS_REDIS_URL),
so a session survives a gateway restart and any replica serves it. A session's token is
verified again each time it is loaded. An access token lives minutes (the realm's
accessTokenLifespan) and a session a shift, so an expired one is renewed with the session's
refresh token at the authorization server; when that is refused too (revoked, the SSO
session over) the session ends. A token whose subject is not the one the session was opened
for is never used.
"""

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from radcds_gateway.auth import AccessToken, InvalidToken, TokenVerifier
from radcds_gateway.web.errors import PageError

LOGIN_PREFIX = "radcds:web:login:"
SESSION_PREFIX = "radcds:web:session:"
LAUNCH_PREFIX = "radcds:web:launch:"
# A cookie longer than this is not one radcds issued; never look it up.
MAX_KEY = 64


@dataclass(frozen=True)
class LaunchContext:
    """What an EHR launch's opaque `launch` id stands for (issued by cds.ledger)."""

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
class TokenPair:
    access_token: str
    refresh_token: str = ""


# Trades a refresh token for a new pair at the authorization server; None when refused.
Refresher = Callable[[str], Awaitable[TokenPair | None]]


@dataclass(frozen=True)
class WebSession:
    raw_token: str
    token: AccessToken
    context: LaunchContext | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    refresh_token: str = ""

    @property
    def practitioner(self) -> str | None:
        user = self.token.fhir_user or ""
        return user if user.startswith("Practitioner/") else None


def _context_json(context: LaunchContext | None) -> dict[str, Any] | None:
    return asdict(context) if context is not None else None


def _session_json(session: WebSession) -> dict[str, Any]:
    return {"token": session.raw_token, "refresh": session.refresh_token,
            "subject": session.token.subject, "context": _context_json(session.context),
            "csrf": session.csrf}  # fmt: skip


def _context(value: Any) -> LaunchContext | None:
    if not isinstance(value, dict):
        return None
    return LaunchContext(
        handle=str(value["handle"]), patient=str(value["patient"]),
        subjects=tuple(str(s) for s in value["subjects"]), service=str(value["service"]),
        card=str(value["card"]),
    )  # fmt: skip


class SessionStore:
    """Pending logins (single use, by `state`) and sessions (by cookie), each under a
    random key with its own expiry."""

    def __init__(self, redis: "Redis", login_ttl_s: int, session_ttl_s: int) -> None:
        self._redis = redis
        self._login_ttl_s = login_ttl_s
        self._session_ttl_s = session_ttl_s

    async def add_login(self, login: PendingLogin) -> str:
        value = {"verifier": login.code_verifier, "redirect_uri": login.redirect_uri,
                 "context": _context_json(login.context)}  # fmt: skip
        return await self._put(LOGIN_PREFIX, value, self._login_ttl_s)

    async def pop_login(self, state: str) -> PendingLogin | None:
        """GETDEL: a `state` completes one login, however many gateways see it."""
        value = await self._take(LOGIN_PREFIX, state, delete=True)
        if value is None:
            return None
        return PendingLogin(str(value["verifier"]), str(value["redirect_uri"]),
                            _context(value.get("context")))  # fmt: skip

    async def add_session(self, session: WebSession) -> str:
        return await self._put(SESSION_PREFIX, _session_json(session), self._session_ttl_s)

    async def get_session(
        self, key: str, verifier: TokenVerifier, refresher: Refresher | None = None
    ) -> WebSession | None:
        value = await self._take(SESSION_PREFIX, key, delete=False)
        if value is None:
            return None
        raw_token, refresh_token = str(value["token"]), str(value.get("refresh", ""))
        try:
            token = await verifier.verify(raw_token)
        except InvalidToken:
            renewed = await self._renew(verifier, refresher, refresh_token)
            if renewed is None:
                await self.drop_session(key)
                return None
            (raw_token, refresh_token), token = renewed
            if token.subject == value.get("subject"):
                value |= {"token": raw_token, "refresh": refresh_token}
                await self._call(self._redis.set(SESSION_PREFIX + key, json.dumps(value),
                                                 keepttl=True, xx=True))  # fmt: skip
        if token.subject != value.get("subject"):
            return None
        return WebSession(raw_token, token, _context(value.get("context")), str(value["csrf"]),
                          refresh_token)  # fmt: skip

    @staticmethod
    async def _renew(
        verifier: TokenVerifier, refresher: Refresher | None, refresh_token: str
    ) -> tuple[tuple[str, str], AccessToken] | None:
        if refresher is None or not refresh_token:
            return None
        pair = await refresher(refresh_token)
        if pair is None:
            return None
        try:
            token = await verifier.verify(pair.access_token)
        except InvalidToken:
            return None
        return (pair.access_token, pair.refresh_token or refresh_token), token

    async def drop_session(self, key: str) -> None:
        if key and len(key) <= MAX_KEY:
            await self._call(self._redis.delete(SESSION_PREFIX + key))

    async def _put(self, prefix: str, value: dict[str, Any], ttl_s: int) -> str:
        key = secrets.token_urlsafe(32)
        await self._call(self._redis.set(prefix + key, json.dumps(value), ex=ttl_s))
        return key

    async def _take(self, prefix: str, key: str, *, delete: bool) -> dict[str, Any] | None:
        if not key or len(key) > MAX_KEY:
            return None
        command = self._redis.getdel if delete else self._redis.get
        raw = await self._call(command(prefix + key))
        value = json.loads(raw) if raw else None
        return value if isinstance(value, dict) else None

    @staticmethod
    async def _call(command: Any) -> Any:
        try:
            return await command
        except (RedisError, OSError):
            raise PageError(503, "Sign-in is unavailable for a moment; try again.") from None


class LaunchRegistry:
    """Launch ids an EHR registered (launch_contexts): what each stands for, in the shape of
    a card's appContext handle (cds.ledger), for `ttl_s`."""

    def __init__(self, redis: "Redis", ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    @property
    def ttl_s(self) -> int:
        return self._ttl_s

    async def issue(self, patient: str, subjects: list[str]) -> str:
        launch = secrets.token_urlsafe(18)
        context = {"patient": patient, "subjects": subjects, "service": "", "card": ""}
        try:
            await self._redis.set(LAUNCH_PREFIX + launch, json.dumps(context), ex=self._ttl_s)
        except (RedisError, OSError):
            raise PageError(503, "Launch contexts are unavailable for a moment.") from None
        return launch

    async def resolve(self, launch: str) -> dict[str, Any] | None:
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", launch):
            return None
        try:
            raw = await self._redis.get(LAUNCH_PREFIX + launch)
        except (RedisError, OSError):
            return None
        value = json.loads(raw) if raw else None
        return value if isinstance(value, dict) else None
