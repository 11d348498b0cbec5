"""Fixtures for the browser tests of the web pages: one real Keycloak for the session
(scripts/keycloak.sh and the realm in deploy/keycloak, as the auth tests start it), the real
gateway, risk and report processes per module, and Debian's Chromium driven by Playwright.

RADCDS_TEST_KEYCLOAK_URL points the tests at a Keycloak already started with
`scripts/keycloak.sh start` (dev admin admin/admin). Screenshots go to the folder printed at
the start of the run (RADCDS_TEST_ARTIFACTS, or a temporary folder)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin
from playwright.sync_api import Browser, Page, sync_playwright
from radcds_kit.testing.servers import free_port
from radcds_kit.testing.services import ServiceProcess

sys.path.insert(0, str(Path(__file__).parent))

from web_seed import seed_people
from web_suite import REALM, WebSuite, serve_web

KEYCLOAK_SH = Path(__file__).resolve().parents[4] / "scripts" / "keycloak.sh"
CHROMIUM = os.environ.get("RADCDS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def keycloak_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("RADCDS_TEST_KEYCLOAK_URL"):
        yield url.rstrip("/")
        return
    data = tmp_path_factory.mktemp("keycloak")
    for _ in range(2):
        port = free_port()
        if (
            subprocess.run([KEYCLOAK_SH, "start", "--port", str(port), "--data", data]).returncode
            == 0
        ):
            break
    else:
        raise RuntimeError(f"scripts/keycloak.sh start failed; see {data}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([KEYCLOAK_SH, "stop", "--data", data], check=True)


@pytest.fixture(scope="session")
def keycloak_admin(keycloak_url: str) -> KeycloakAdmin:
    return KeycloakAdmin(server_url=keycloak_url, username="admin", password="admin",
                         realm_name=REALM, user_realm_name="master")  # fmt: skip


def ingestion_process(common: dict[str, str], gateway: str, grpc_port: int) -> ServiceProcess:
    """Ingestion holds the CT series and SEGs the viewer's key images are cut from."""
    return ServiceProcess("ingestion", {
        **common, "RADCDS_GATEWAY_GRPC_ADDRESS": gateway,
        "RADCDS_INGESTION_DIMSE_PORT": str(free_port()),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_INGESTION_MIN_FREE_BYTES": str(64 * 1024 * 1024)}, grpc_port)  # fmt: skip


def serving_or_exited(service: ServiceProcess) -> bool:
    """False when the process exited before serving: on this shared machine another test
    may take a port between free_port() and the bind, as with Keycloak above."""
    try:
        service.wait_serving(timeout_s=180)
    except RuntimeError:
        return False
    return True


@pytest.fixture(scope="module")
def suite(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, keycloak_url: str,
    keycloak_admin: KeycloakAdmin,
) -> Iterator[WebSuite]:  # fmt: skip
    data = tmp_path_factory.mktemp("var")
    http_port = free_port()
    common = {"RADCDS_DATA_DIR": str(data), "RADCDS_REDIS_URL": redis_url}
    # The pages read FHIR with the user's Keycloak token: the gateway must trust that realm.
    gateway = ServiceProcess("gateway", {**common, "RADCDS_GATEWAY_HTTP_PORT": str(http_port),
                                         "RADCDS_KEYCLOAK_URL": keycloak_url})  # fmt: skip
    risk = ServiceProcess("risk", common)
    ingestion = ingestion_process(common, gateway.address, free_port())
    report = ServiceProcess("report", {
        **common, "RADCDS_GATEWAY_GRPC_ADDRESS": gateway.address,
        "RADCDS_RISK_GRPC_ADDRESS": risk.address,
        "RADCDS_INGESTION_GRPC_ADDRESS": ingestion.address})  # fmt: skip
    started = []
    try:
        for service in (gateway, risk, ingestion, report):
            started.append(service.start())
        for service in started[:2]:
            service.wait_serving(timeout_s=180)
        if not serving_or_exited(ingestion):
            started[2] = ingestion = ingestion_process(common, gateway.address, ingestion.grpc_port)
            ingestion.start().wait_serving(timeout_s=180)
        report.wait_serving(timeout_s=180)
        fhir_url = f"http://127.0.0.1:{http_port}/fhir"
        with serve_web(keycloak_admin, keycloak_url, fhir_url, report.address, redis_url,
                       data) as (web_url, feedback):  # fmt: skip
            suite = WebSuite(web_url, fhir_url, gateway.address, report.address, redis_url,
                             feedback, ingestion.address)  # fmt: skip
            suite.run(lambda store, _: seed_people(store))
            yield suite
    finally:
        for service in started:
            service.stop()


@pytest.fixture(scope="session")
def artifacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("RADCDS_TEST_ARTIFACTS") or tmp_path_factory.mktemp("web-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nweb test screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Playwright's sync API runs an event loop in the main thread while it is open: close it
    with the module, so that the asyncio tests that follow get a thread without one."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()
