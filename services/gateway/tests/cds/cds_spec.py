"""The rules CDS Hooks 2.0 sets for what a CDS Service returns, as assertions, and the
EHR's side of prefetch. Imported by this folder's tests (conftest puts it on sys.path)."""

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx

INDICATORS = {"info", "warning", "critical"}
SELECTION = {"at-most-one", "any"}
ACTIONS = {"create", "update", "delete"}
LINK_TYPES = {"absolute", "smart"}
USER_TOKENS = {
    "userPractitionerId",
    "userPractitionerRoleId",
    "userPatientId",
    "userRelatedPersonId",
}
TOKEN = re.compile(r"\{\{([^}]*)\}\}")


def is_absolute(url: object) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def check_discovery(document: dict[str, Any]) -> None:
    """ "Discovery": services with hook, description and id REQUIRED; prefetch strings."""
    assert isinstance(document.get("services"), list)
    for service in document["services"]:
        for name in ("hook", "description", "id"):
            assert isinstance(service.get(name), str), name
            assert service[name]
        for key, template in service.get("prefetch", {}).items():
            assert isinstance(key, str)
            assert isinstance(template, str)
            for token in TOKEN.findall(template):
                # "Prefetch tokens": a root context field or one of the user tokens.
                assert token in USER_TOKENS or re.fullmatch(r"context\.[A-Za-z]+", token)


def check_coding(coding: dict[str, Any], display: bool) -> None:
    assert isinstance(coding.get("code"), str)
    if display:
        assert isinstance(coding.get("display"), str)
        assert coding["display"]


def check_action(action: dict[str, Any]) -> None:
    assert action["type"] in ACTIONS
    assert isinstance(action["description"], str)
    if action["type"] in ("create", "update"):
        assert isinstance(action["resource"], dict)
        assert "resourceType" in action["resource"]
    else:
        assert re.fullmatch(r"[A-Za-z]+/[A-Za-z0-9\-.]+", action["resourceId"])


def check_links(links: list[dict[str, Any]]) -> None:
    for link in links:
        assert isinstance(link["label"], str)
        assert is_absolute(link["url"])
        assert link["type"] in LINK_TYPES
        # "appContext ... should only be valued if the link type is smart".
        assert "appContext" not in link or link["type"] == "smart"


def check_card(card: dict[str, Any]) -> None:
    """ "Card Attributes", plus radcds's rules: a uuid for feedback, and 'preliminary'."""
    uuid.UUID(card["uuid"])
    assert isinstance(card["summary"], str)
    assert 0 < len(card["summary"]) < 140
    assert card["indicator"] in INDICATORS
    assert isinstance(card["source"]["label"], str)
    assert "radcds" in card["source"]["label"]
    if "url" in card["source"]:
        assert is_absolute(card["source"]["url"])
    if "topic" in card["source"]:
        check_coding(card["source"]["topic"], display=False)
    if card.get("suggestions"):
        assert card["selectionBehavior"] in SELECTION
        for suggestion in card["suggestions"]:
            assert isinstance(suggestion["label"], str)
            uuid.UUID(suggestion["uuid"])
            for action in suggestion.get("actions", []):
                check_action(action)
    for reason in card.get("overrideReasons", []):
        check_coding(reason, display=True)
    check_links(card.get("links", []))
    text = (card["summary"] + " " + card.get("detail", "")).lower()
    assert "preliminary" in text or "unavailable" in text


def check_response(response: httpx.Response) -> list[dict[str, Any]]:
    """ "CDS Service Response": 200 with a cards array; systemActions are Actions."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["cards"], list)
    for card in body["cards"]:
        check_card(card)
    for action in body.get("systemActions", []):
        check_action(action)
    return list(body["cards"])


def fill(template: str, context: dict[str, Any]) -> str | None:
    values = {f"context.{k}": v for k, v in context.items() if isinstance(v, str)}
    kind, _, user = str(context.get("userId", "")).partition("/")
    values[f"user{kind}Id"] = user
    tokens = TOKEN.findall(template)
    if any(t not in values for t in tokens):
        return None
    return TOKEN.sub(lambda m: values[m.group(1)], template)


def ehr_prefetch(
    templates: dict[str, str], context: dict[str, Any], fhir: str, token: str
) -> dict[str, Any]:
    """What a conformant EHR sends: each template run against its FHIR server; null where
    it has no data ("a value of null ... rather than a bundle with zero entries")."""
    prefetch: dict[str, Any] = {}
    for key, template in templates.items():
        query = fill(template, context)
        if query is None:
            continue
        response = httpx.get(f"{fhir}/{query}", headers={"Authorization": f"Bearer {token}"})
        body = response.json() if response.status_code == 200 else None
        if body and body.get("resourceType") == "Bundle" and not body.get("entry"):
            body = None
        prefetch[key] = body
    return prefetch
