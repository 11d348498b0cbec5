"""The physician follows a CDS card's smart link through the SMART EHR launch (real
Keycloak login form) to the patient page, in Debian's Chromium."""

import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from keycloak import KeycloakOpenID
from playwright.sync_api import Page, expect
from web_browser import ehr_launch, log_in, shoot, visited_urls
from web_seed import seed_ich_study
from web_suite import PHYSICIAN, REALM, WebSuite

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def launch_for(page: Page, suite: WebSuite, patient_id: str, volume_ml: float) -> dict[str, str]:
    seeded = suite.run(lambda store, report: seed_ich_study(store, report, patient_id, volume_ml))
    link = suite.card_link(patient_id, [seeded["finding"], seeded["study"]])
    ehr_launch(page, suite, link)
    log_in(page, PHYSICIAN)
    return seeded


def test_a_card_link_opens_the_haemorrhage_finding_and_its_volume(
    suite: WebSuite, page: Page, artifacts: Path
) -> None:
    urls = visited_urls(page)
    launch_for(page, suite, "demo-patient-1", 24.5)
    page.wait_for_url("**/app/patient")
    finding = page.locator("li.finding.current")
    expect(finding.get_by_role("heading")).to_contain_text("Intracranial haemorrhage")
    expect(finding.get_by_role("row", name="Volume")).to_contain_text("24.5 mL")
    expect(finding).to_contain_text("ich_detector")
    expect(page.get_by_role("heading", name="Risk scores")).to_be_visible()
    expect(page.locator("article.risk").first).to_contain_text("Glasgow coma score total: 11")
    document = page.frame_locator("iframe.document").first
    expect(document.locator("body")).to_contain_text("Intracranial haemorrhage")
    shoot(page, artifacts, "patient-page")
    finding.get_by_role("link", name="model card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model card: ich_detector")
    expect(page.locator("main")).to_contain_text("not for clinical use")
    shoot(page, artifacts, "model-card")
    # No PHI in any URL: neither the patient's id nor name appears in what was requested.
    assert not [u for u in urls if "demo-patient" in u or "Synthetic" in u]


def test_the_report_opens_as_html_and_pdf(suite: WebSuite, page: Page, artifacts: Path) -> None:
    seeded = launch_for(page, suite, "demo-patient-1", 31.0)
    report_id = seeded["report"].removeprefix("DiagnosticReport/")
    page.wait_for_url("**/app/patient")
    report = page.locator("article.report", has=page.locator(f'a[href*="{report_id}/html"]'))
    report.get_by_role("link", name="Open the report").click()
    document = page.frame_locator(f'iframe[name="report-{report_id}"]')
    expect(document.locator("body")).to_contain_text("31 mL")
    pdf = page.request.get(f"{suite.web_url}/app/reports/{report_id}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.goto(f"{suite.web_url}/app/reports/{report_id}/html")
    expect(page.locator("body")).to_contain_text("Intracranial haemorrhage")
    shoot(page, artifacts, "report-html")


def test_the_cards_report_link_opens_the_patient_page_after_login(
    suite: WebSuite, page: Page
) -> None:
    seeded = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-1", 5.5))
    link = suite.card_link("demo-patient-1", [seeded["finding"]], kind="absolute")
    page.goto(link["url"])
    log_in(page, PHYSICIAN)
    page.wait_for_url("**/app/patient")
    expect(page.locator("li.finding.current")).to_contain_text("5.5 mL")


def test_the_page_is_usable_from_the_keyboard(suite: WebSuite, page: Page) -> None:
    launch_for(page, suite, "demo-patient-1", 7.0)
    page.wait_for_url("**/app/patient")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_label("I agree").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("I agree")).to_be_checked()


def test_disagreeing_records_cds_feedback_with_the_reason(
    suite: WebSuite, page: Page, artifacts: Path
) -> None:
    launch_for(page, suite, "demo-patient-1", 12.0)
    page.wait_for_url("**/app/patient")
    page.get_by_label("I disagree").check()
    page.get_by_label("Reason, when you disagree").select_option("ai-finding-not-confirmed")
    page.get_by_role("button", name="Record feedback").click()
    expect(page.get_by_role("status")).to_contain_text("feedback was recorded")
    groups = suite.feedback.summary()["groups"]
    assert [(g["model"], g["overridden"]) for g in groups] == [("ich_detector", 1)]
    assert groups[0]["overrideReasons"][0]["code"] == "ai-finding-not-confirmed"


def test_a_patient_launch_cannot_reach_another_patients_page(
    suite: WebSuite, page: Page, artifacts: Path
) -> None:
    # dr.physician's launches carry patient demo-patient-1; this card is about patient 2.
    other = launch_for(page, suite, "demo-patient-2", 8.0)
    expect(page.get_by_role("alert")).to_contain_text("outside your sign-in")
    expect(page.locator("body")).not_to_contain_text("Bea")
    shoot(page, artifacts, "other-patient-refused")
    assert "radcds_session" not in {c["name"] for c in page.context.cookies()}
    # Signed in for patient 1 (Keycloak's own session: no second login form), patient 2's
    # report, key image and the worklist stay shut.
    own = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-1", 8.5))
    ehr_launch(page, suite, suite.card_link("demo-patient-1", [own["finding"]]))
    page.wait_for_url("**/app/patient")
    other_id = other["report"].removeprefix("DiagnosticReport/")
    other_finding = other["finding"].removeprefix("Observation/")
    assert page.request.get(f"{suite.web_url}/app/reports/{other_id}/html").status == 403
    image = f"{suite.web_url}/app/reports/{other_id}/findings/{other_finding}/key-image"
    assert page.request.get(image).status == 403
    assert page.request.get(f"{suite.web_url}/app/worklist").status == 403


def test_an_ehr_registered_launch_selects_the_patient_and_study(
    suite: WebSuite, page: Page, keycloak_url: str
) -> None:
    """The EHR's own launch: it registers the context with its client-credentials token,
    then launches with the `launch` id it got; no patient id in the launch URL."""
    seeded = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-1", 6.5))
    ehr = KeycloakOpenID(server_url=keycloak_url, realm_name=REALM, client_id="radcds-ehr",
                         client_secret_key="dev-only-radcds-ehr-secret")  # fmt: skip
    token = ehr.token(grant_type="client_credentials")["access_token"]
    register = f"{suite.web_url}/app/launch-contexts"
    context = {"patient": "demo-patient-1", "fhirContext": [seeded["study"]]}
    assert httpx.post(register, json=context).status_code == 401
    answer = httpx.post(register, json=context, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201
    urls = visited_urls(page)
    query = urlencode({"iss": suite.fhir_url, "launch": answer.json()["launch"]})
    page.goto(f"{suite.web_url}/app/launch?{query}")
    log_in(page, PHYSICIAN)
    page.wait_for_url("**/app/patient")
    finding = page.locator("li.finding", has_text="6.5 mL")
    expect(finding).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator("#feedback")).to_have_count(0)  # no CDS card to give feedback on
    assert not [u for u in urls if "demo-patient" in u]
    # An unknown launch id is refused.
    page.goto(f"{suite.web_url}/app/launch?" + urlencode({"iss": suite.fhir_url, "launch": "x"}))
    expect(page.get_by_role("alert")).to_contain_text("expired or is not known")
