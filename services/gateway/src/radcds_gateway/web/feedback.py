"""Agree or disagree with an AI finding, recorded as CDS Hooks feedback on the card that
linked here ("Feedback" in CDS Hooks 2.0: accepted, or overridden with a reason)."""

import asyncio
from datetime import UTC, datetime

from radcds_gateway.cds.card_parts import OVERRIDE_REASONS, OVERRIDE_SYSTEM
from radcds_gateway.cds.feedback import Feedback
from radcds_gateway.cds.feedback_store import UNKNOWN, CardFacts
from radcds_gateway.web.components import WebComponents
from radcds_gateway.web.errors import PageError
from radcds_gateway.web.sessions import LaunchContext

REASON_CODES = {code for code, _ in OVERRIDE_REASONS}
MAX_COMMENT = 2000


def _feedback(agree: bool, reason: str, comment: str, card: str) -> Feedback:
    if not agree and reason not in REASON_CODES:
        raise PageError(400, "Choose a reason when you disagree.")
    return Feedback(
        card=card,
        outcome="accepted" if agree else "overridden",
        accepted_suggestions=(),
        reason_system=None if agree else OVERRIDE_SYSTEM,
        reason_code=None if agree else reason,
        user_comment=comment.strip()[:MAX_COMMENT] or None,
        outcome_timestamp=datetime.now(UTC),
    )


async def record_feedback(
    web: WebComponents, context: LaunchContext, agree: bool, reason: str, comment: str
) -> None:
    if web.feedback is None:
        raise PageError(503, "Feedback cannot be recorded here.")
    if not context.card:
        raise PageError(400, "Feedback is recorded on the CDS card that opened this page.")
    item = _feedback(agree, reason, comment, context.card)
    facts = await web.contexts.card_facts(context.card)
    card = CardFacts(str(facts["model"]), str(facts["version"])) if facts else UNKNOWN
    await asyncio.to_thread(web.feedback.record, context.service, [(item, card)])
