"""The pieces of a card as CDS Hooks 2.0 defines them ("Card Attributes", "Source",
"Suggestion", "Action", "Link", "Reasons for rejecting a card")."""

import uuid
from dataclasses import dataclass, field
from typing import Any

# "summary: One-sentence, <140-character summary message".
MAX_SUMMARY = 139
INDICATORS = ("info", "warning", "critical")
TOPIC_SYSTEM = "https://radcds.dev/fhir/CodeSystem/cds-topic"
OVERRIDE_SYSTEM = "https://radcds.dev/fhir/CodeSystem/cds-override-reason"
PRELIMINARY = (
    "**Preliminary AI result.** Computed automatically by radcds and not yet reviewed by a "
    "clinician; confirm on the images and the signed report before acting."
)
# "If override reasons are present, the CDS Service MUST populate a display value".
OVERRIDE_REASONS = (
    ("ai-finding-not-confirmed", "AI finding not confirmed on image review"),
    ("already-addressed", "Already addressed"),
    ("not-relevant", "Not clinically relevant for this patient"),
    ("patient-declined", "Patient declined"),
)
Json = dict[str, Any]


def summary_line(text: str) -> str:
    """One line under 140 characters, cut at a word with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= MAX_SUMMARY:
        return text
    cut = text[: MAX_SUMMARY - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def highest(indicators: list[str]) -> str:
    return max(indicators, key=INDICATORS.index) if indicators else "info"


def topic(code: str, display: str) -> Json:
    return {"system": TOPIC_SYSTEM, "code": code, "display": display}


def override_reasons() -> list[Json]:
    return [{"system": OVERRIDE_SYSTEM, "code": c, "display": d} for c, d in OVERRIDE_REASONS]


@dataclass(frozen=True)
class ModelVersion:
    """What produced a card: an AI model (from its Device) or a risk calculator."""

    name: str
    version: str
    # Path under the web page: the model card or calculator page.
    page: str

    @property
    def label(self) -> str:
        return f"radcds · {self.name} {self.version}"


def suggestion(label: str, actions: list[Json], recommended: bool = False) -> Json:
    item: Json = {"label": label, "uuid": str(uuid.uuid4()), "actions": actions}
    if recommended:
        item["isRecommended"] = True
    return item


@dataclass
class CardDraft:
    """A card before its links: links need a handle that is issued when the card is kept."""

    summary: str
    indicator: str
    detail: str
    model: ModelVersion
    topic: Json
    suggestions: list[Json] = field(default_factory=list)
    # FHIR references (radcds store) the web page opens: findings, studies.
    subjects: list[str] = field(default_factory=list)
    links: bool = True
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def render(self, app_url: str, handle: str | None) -> Json:
        card: Json = {
            "uuid": self.uuid,
            "summary": summary_line(self.summary),
            "indicator": self.indicator,
            "detail": self.detail,
            "source": {
                "label": self.model.label,
                "url": f"{app_url}/{self.model.page}",
                "topic": self.topic,
            },
            "overrideReasons": override_reasons(),
        }
        if self.suggestions:
            card["suggestions"] = self.suggestions
            # "If suggestions are present, selectionBehavior MUST also be provided."
            card["selectionBehavior"] = "at-most-one"
        if self.links and handle:
            card["links"] = _links(app_url, handle)
        return card


def _links(app_url: str, handle: str) -> list[Json]:
    # appContext is an opaque handle the web page resolves; it never carries PHI.
    return [
        {
            "label": "Open the AI finding in radcds",
            "url": f"{app_url}/launch",
            "type": "smart",
            "appContext": handle,
        },
        {
            "label": "Preliminary report",
            "url": f"{app_url}/reports/{handle}",
            "type": "absolute",
        },
    ]
