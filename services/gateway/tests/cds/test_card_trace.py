"""A card built from a finding is recorded in the finding's (the study's) trace, linked to
the hook call's span; a finding without a trace context records nothing."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from radcds_gateway.cds import card_trace
from radcds_gateway.cds.card_parts import CardDraft, ModelVersion

pytestmark = pytest.mark.unit

STUDY_TRACE = "0af7651916cd43dd8448eb211c80319c"
WRITE_SPAN = "b7ad6b7169203331"


def _finding(ident: str, traceparent: str | None) -> dict[str, object]:
    finding: dict[str, object] = {"resourceType": "Observation", "id": ident}
    if traceparent is not None:
        tag = {"system": card_trace.TRACE_CONTEXT_SYSTEM, "code": traceparent}
        finding["meta"] = {"tag": [{"system": "urn:other", "code": "x"}, tag]}
    return finding


def _draft(*subjects: str) -> CardDraft:
    return CardDraft(
        summary="Preliminary AI: suspected ICH",
        indicator="critical",
        detail="",
        model=ModelVersion("ich", "1", "models/ich"),
        topic={},
        subjects=list(subjects),
    )


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> tuple[InMemorySpanExporter, TracerProvider]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(card_trace, "tracer", provider.get_tracer("test"))
    return exporter, provider


def test_the_card_span_is_a_child_of_the_findings_write_linked_to_the_hook(exported) -> None:
    exporter, provider = exported
    findings = [
        _finding("ich-1", f"00-{STUDY_TRACE}-{WRITE_SPAN}-01"),
        _finding("untraced", None),
        _finding("garbled", "not-a-traceparent"),
    ]
    drafts = [
        _draft("Observation/ich-1", "ImagingStudy/s1"),
        _draft("Observation/untraced"),
        _draft("Observation/garbled"),
        _draft(),
    ]
    with provider.get_tracer("test").start_as_current_span("POST /cds-services") as hook:
        card_trace.record_cards_in_study_traces("patient-view", drafts, findings)

    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert sorted(spans) == ["POST /cds-services", "cds.card"]
    card = spans["cds.card"]
    assert format(card.context.trace_id, "032x") == STUDY_TRACE
    assert card.parent is not None
    assert format(card.parent.span_id, "016x") == WRITE_SPAN
    assert [link.context for link in card.links] == [hook.get_span_context()]
    assert [link.context for link in spans["POST /cds-services"].links] == [card.context]
    assert card.attributes == {
        "cds.hook": "patient-view",
        "cds.card.uuid": drafts[0].uuid,
        "cds.card.indicator": "critical",
        "fhir.finding": "Observation/ich-1",
    }
