"""What a user does in the browser: log in through Keycloak's form, launch from a card."""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Page
from web_suite import WebSuite


def log_in(page: Page, user: tuple[str, str]) -> None:
    """Keycloak's own login form, as a person fills it in."""
    page.get_by_label("Username or email").fill(user[0])
    page.get_by_label("Password", exact=True).fill(user[1])
    page.get_by_role("button", name="Sign In").click()


def ehr_launch(page: Page, suite: WebSuite, link: dict[str, Any]) -> None:
    """What the EHR does with a card's smart link: `iss` and `launch` on the link's URL."""
    query = urlencode({"iss": suite.fhir_url, "launch": link["appContext"]})
    page.goto(f"{link['url']}?{query}")


def shoot(page: Page, folder: Path, name: str) -> None:
    """The whole page. The viewport is grown to the page's height first: Chromium leaves
    frames outside the viewport unpainted in a full-page capture."""
    size = page.viewport_size or {"width": 1280, "height": 900}
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.screenshot(path=folder / f"{name}.png")
    page.set_viewport_size(size)


def visited_urls(page: Page) -> list[str]:
    """Collects every URL the page requests from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls
