"""Sessions and logins under way live in Redis: a login started on one gateway process
completes after that process restarts, and the session it opens serves on a second
gateway process. Real gateway processes (`python -m radcds_gateway`), real Redis, real
Keycloak, Debian's Chromium."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin
from playwright.sync_api import Page, expect
from radcds_gateway.web.sessions import SESSION_PREFIX
from radcds_gateway.web.smart import SESSION_COOKIE
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess
from redis import Redis
from web_browser import ehr_launch, log_in
from web_seed import seed_ich_study
from web_suite import PHYSICIAN, REALM, WebSuite, allow_redirect

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


class WebGateway:
    """A gateway process serving /app, reading FHIR from the suite's gateway."""

    def __init__(self, suite: WebSuite, keycloak_url: str, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = ServiceProcess("gateway", {
            "RADCDS_DATA_DIR": str(data), "RADCDS_GATEWAY_HTTP_PORT": str(self.port),
            "RADCDS_REDIS_URL": suite.redis_url, "RADCDS_KEYCLOAK_URL": keycloak_url,
            "RADCDS_WEB_AUTHORIZATION_SERVER": f"{keycloak_url}/realms/{REALM}",
            "RADCDS_WEB_FHIR_BASE_URL": suite.fhir_url,
            "RADCDS_REPORT_GRPC_ADDRESS": suite.report_grpc,
        })  # fmt: skip

    def start(self) -> None:
        self.process.start().wait_serving(timeout_s=180)

    def restart(self) -> None:
        self.process.stop()
        self.start()


@pytest.fixture
def gateways(
    suite: WebSuite, keycloak_url: str, keycloak_admin: KeycloakAdmin, tmp_path: Path
) -> Iterator[tuple[WebGateway, WebGateway]]:
    pair = (WebGateway(suite, keycloak_url, tmp_path / "a"),
            WebGateway(suite, keycloak_url, tmp_path / "b"))  # fmt: skip
    for gateway in pair:
        allow_redirect(keycloak_admin, f"{gateway.url}/app/callback")
        gateway.start()
    yield pair
    for gateway in pair:
        if gateway.process.running:
            gateway.process.stop()


def test_logins_and_sessions_survive_a_restart_and_serve_on_another_gateway(
    suite: WebSuite, page: Page, gateways: tuple[WebGateway, WebGateway]
) -> None:
    first, second = gateways
    seeded = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-1", 14.5))
    link = suite.card_link("demo-patient-1", [seeded["finding"]], app_url=first.url)
    ehr_launch(page, suite, link)
    expect(page.get_by_label("Username or email")).to_be_visible()
    first.restart()  # the login under way (state, PKCE verifier, launch) is in Redis
    log_in(page, PHYSICIAN)
    page.wait_for_url(f"{first.url}/app/patient")
    expect(page.locator("li.finding.current")).to_contain_text("14.5 mL")

    page.goto(f"{second.url}/app/patient")
    expect(page.locator("li.finding.current")).to_contain_text("14.5 mL")
    first.restart()
    page.goto(f"{first.url}/app/patient")
    expect(page.locator("li.finding.current")).to_contain_text("14.5 mL")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{first.url}/app/signed-out")
    # Signed out on one gateway is signed out on the other: no session, so a new launch.
    answer = page.request.get(f"{second.url}/app/patient", max_redirects=0)
    assert answer.status == 303
    assert answer.headers["location"] == "/app/launch"


def test_an_expired_access_token_is_renewed_and_a_refused_renewal_ends_the_session(
    suite: WebSuite, page: Page
) -> None:
    """Access tokens live five minutes, sessions a shift: the session's refresh token
    renews the access token at Keycloak. The stored token is replaced by one that fails
    verification, as an expired one does."""
    seeded = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-1", 9.5))
    ehr_launch(page, suite, suite.card_link("demo-patient-1", [seeded["finding"]]))
    log_in(page, PHYSICIAN)
    page.wait_for_url(f"{suite.web_url}/app/patient")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    redis = Redis.from_url(suite.redis_url)
    key = SESSION_PREFIX + cookie
    stored = json.loads(redis.get(key) or b"{}")
    assert stored["refresh"], "the session keeps Keycloak's refresh token"

    redis.set(key, json.dumps(stored | {"token": "expired.or.revoked"}), keepttl=True)
    page.goto(f"{suite.web_url}/app/patient")
    expect(page.locator("li.finding.current")).to_contain_text("9.5 mL")
    renewed = json.loads(redis.get(key) or b"{}")
    assert renewed["token"] not in ("expired.or.revoked", stored["token"])
    assert renewed["subject"] == stored["subject"]

    redis.set(key, json.dumps(renewed | {"token": "expired", "refresh": "forged"}), keepttl=True)
    answer = page.request.get(f"{suite.web_url}/app/patient", max_redirects=0)
    assert answer.status == 303
    assert answer.headers["location"] == "/app/launch"
    assert redis.get(key) is None
