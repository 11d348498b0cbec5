"""Cards in their study's trace.

A hook call is the EHR's own request, so it has its own trace. A card, though, is the end of
a study's journey: it is built from an AI finding that inference stored within the study's
trace, and the finding carries that write's W3C traceparent as a workflow tag
(services/inference/src/radcds_inference/fhir.py, TRACE_CONTEXT_SYSTEM). For each card built
from a tagged finding, a `cds.card` span is recorded in the study's trace, as a child of the
finding's write and linked to the hook call's span; the hook call's span links back to it.
Attributes carry the hook, the card's uuid and indicator and the finding's reference, never
card text or the patient.
"""

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link
from radcds_kit.telemetry import context_of

from radcds_gateway.cds.card_parts import CardDraft

# services/inference/src/radcds_inference/fhir.py: the tag system of the trace context.
TRACE_CONTEXT_SYSTEM = "https://radcds.dev/fhir/CodeSystem/trace-context"
Resource = dict[str, Any]
tracer = trace.get_tracer("radcds_gateway")


def finding_traceparent(observation: Resource) -> str:
    """The traceparent a finding was written with, or ""."""
    for tag in (observation.get("meta") or {}).get("tag") or []:
        if isinstance(tag, dict) and tag.get("system") == TRACE_CONTEXT_SYSTEM:
            code = tag.get("code")
            return code if isinstance(code, str) else ""
    return ""


def _finding_write(draft: CardDraft, traceparents: dict[str, str]) -> tuple[str, Context] | None:
    """The first finding the card is built from whose write is traced, and that context."""
    for subject in draft.subjects:
        context = context_of(traceparents.get(subject, ""))
        if trace.get_current_span(context).get_span_context().is_valid:
            return subject, context
    return None


def record_cards_in_study_traces(
    hook: str, drafts: list[CardDraft], observations: list[Resource]
) -> None:
    """One `cds.card` span per card built from a tagged finding, in that finding's trace."""
    traceparents = {f"Observation/{o.get('id')}": finding_traceparent(o) for o in observations}
    request_span = trace.get_current_span()
    request = request_span.get_span_context()
    for draft in drafts:
        write = _finding_write(draft, traceparents)
        if write is None:
            continue
        span = tracer.start_span(
            "cds.card",
            context=write[1],
            links=[Link(request)] if request.is_valid else [],
            attributes={
                "cds.hook": hook,
                "cds.card.uuid": draft.uuid,
                "cds.card.indicator": draft.indicator,
                "fhir.finding": write[0],
            },
        )
        span.end()
        if request.is_valid:
            request_span.add_link(span.get_span_context())
