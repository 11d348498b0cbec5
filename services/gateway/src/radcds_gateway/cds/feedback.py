"""Feedback on cards (CDS Hooks 2.0, "Feedback"): validated, then stored in the gateway's
database with the service and model version that made the card."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from radcds_gateway.cds.request import InvalidHookRequest

OUTCOMES = ("accepted", "overridden")
MAX_ITEMS = 100
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Feedback:
    card: str
    outcome: str
    accepted_suggestions: tuple[str, ...]
    reason_system: str | None
    reason_code: str | None
    user_comment: str | None
    outcome_timestamp: datetime


def _timestamp(value: object, where: str) -> datetime:
    """RFC 3339 section 5.6 date-time, in UTC as the spec asks."""
    if not isinstance(value, str) or "T" not in value.upper():
        raise InvalidHookRequest(f"{where}.outcomeTimestamp must be an RFC 3339 date-time")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidHookRequest(
            f"{where}.outcomeTimestamp must be an RFC 3339 date-time"
        ) from None
    if moment.tzinfo is None:
        raise InvalidHookRequest(f"{where}.outcomeTimestamp needs a time zone (UTC)")
    return moment.astimezone(UTC)


def _accepted(item: dict[str, Any], where: str) -> tuple[str, ...]:
    raw = item.get("acceptedSuggestions")
    if item["outcome"] != "accepted":
        return ()
    # "acceptedSuggestions ... Required for accepted outcomes."
    if not isinstance(raw, list) or not raw:
        raise InvalidHookRequest(f"{where}.acceptedSuggestions is required for accepted")
    ids = [s.get("id") if isinstance(s, dict) else None for s in raw]
    if not all(isinstance(i, str) and i for i in ids):
        raise InvalidHookRequest(f"{where}.acceptedSuggestions[].id must be strings")
    return tuple(str(i) for i in ids)


def _override(item: dict[str, Any], where: str) -> tuple[str | None, str | None, str | None]:
    raw = item.get("overrideReason")
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict):
        raise InvalidHookRequest(f"{where}.overrideReason must be an object")
    reason, comment = raw.get("reason"), raw.get("userComment")
    if reason is not None and not (
        isinstance(reason, dict) and isinstance(reason.get("code"), str)
    ):
        raise InvalidHookRequest(f"{where}.overrideReason.reason must be a Coding with a code")
    if comment is not None and not isinstance(comment, str):
        raise InvalidHookRequest(f"{where}.overrideReason.userComment must be a string")
    system = reason.get("system") if isinstance(reason, dict) else None
    code = reason.get("code") if isinstance(reason, dict) else None
    return system, code, comment[:MAX_COMMENT] if comment else None


def _item(item: object, where: str) -> Feedback:
    if not isinstance(item, dict):
        raise InvalidHookRequest(f"{where} must be an object")
    card = item.get("card")
    if not isinstance(card, str) or not card or len(card) > 128:
        raise InvalidHookRequest(f"{where}.card must be the card's uuid")
    if item.get("outcome") not in OUTCOMES:
        raise InvalidHookRequest(f"{where}.outcome must be accepted or overridden")
    system, code, comment = _override(item, where)
    return Feedback(
        card=card,
        outcome=item["outcome"],
        accepted_suggestions=_accepted(item, where),
        reason_system=system if isinstance(system, str) else None,
        reason_code=code,
        user_comment=comment,
        outcome_timestamp=_timestamp(item.get("outcomeTimestamp"), where),
    )


def parse_feedback(body: object) -> list[Feedback]:
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise InvalidHookRequest("the body must be an object with a feedback array")
    items = body["feedback"]
    if not items or len(items) > MAX_ITEMS:
        raise InvalidHookRequest(f"feedback must hold 1 to {MAX_ITEMS} items")
    return [_item(item, f"feedback[{i}]") for i, item in enumerate(items)]
