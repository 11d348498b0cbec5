"""The radiologist's worklist in Debian's Chromium: ordered by AI priority, signed from
the list through the report service, updated live by server-sent events; and the study
page's key image viewer on a real head CT and its AI mask."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from web_browser import log_in, shoot, visited_urls
from web_images import key_image_study
from web_seed import seed_ich_study
from web_suite import RADIOLOGIST, WebSuite

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def open_worklist(page: Page, suite: WebSuite) -> None:
    """A standalone launch: the radiologist opens radcds directly and logs in."""
    page.goto(f"{suite.web_url}/app/launch")
    log_in(page, RADIOLOGIST)
    page.wait_for_url("**/app/worklist")
    expect(page.locator("#live")).to_contain_text("Live")


def seed(suite: WebSuite, patient_id: str, volume_ml: float, priority: str) -> str:
    seeded = suite.run(
        lambda store, report: seed_ich_study(store, report, patient_id, volume_ml, priority)
    )
    return seeded["report"].removeprefix("DiagnosticReport/")


def test_a_radiologist_signs_the_draft_from_the_worklist(
    suite: WebSuite, page: Page, artifacts: Path
) -> None:
    report_id = seed(suite, "demo-patient-2", 18.0, "stat")
    open_worklist(page, suite)
    row = page.locator(f'#rows tr[data-id="{report_id}"]')
    expect(row).to_contain_text("STAT")
    shoot(page, artifacts, "worklist")
    row.get_by_role("link").click()
    expect(page.locator("#report-status")).to_have_text("preliminary")
    frame = page.frame_locator('iframe[title="Draft report"]')
    expect(frame.locator("body")).to_contain_text("18 mL")
    shoot(page, artifacts, "study-draft")
    page.get_by_role("button", name="Sign the report").click()
    expect(page.locator("#report-status")).to_have_text("final")
    shoot(page, artifacts, "study-signed")
    page.get_by_label("Conclusion").fill("Acute intraparenchymal haemorrhage, confirmed.")
    page.get_by_label("Reason for the change").fill("Reviewed on the source images")
    page.get_by_role("button", name="Amend the report").click()
    expect(page.locator("#report-status")).to_have_text("amended")
    expect(page.frame_locator('iframe[title="Draft report"]').locator("body")).to_contain_text(
        "confirmed"
    )
    page.get_by_role("link", name="Back to the worklist").click()
    expect(page.locator(f'#rows tr[data-id="{report_id}"]')).to_contain_text("amended")


def test_a_new_stat_study_appears_on_top_of_an_open_worklist(
    suite: WebSuite, page: Page, artifacts: Path
) -> None:
    seed(suite, "demo-patient-1", 3.0, "routine")
    open_worklist(page, suite)
    page.evaluate("window.openedOnce = true")
    report_id = seed(suite, "demo-patient-2", 40.0, "stat")
    top = page.locator("#rows tr").first
    expect(top).to_have_attribute("data-id", report_id, timeout=30_000)
    expect(top).to_contain_text("STAT")
    assert page.evaluate("window.openedOnce") is True, "the page was reloaded"
    shoot(page, artifacts, "worklist-live-stat")


def test_the_study_page_shows_each_findings_key_image_with_its_slider(
    suite: WebSuite, page: Page, artifacts: Path, tmp_path: Path
) -> None:
    head = key_image_study(suite, tmp_path, "demo-patient-2", seed=32)
    report_id = head["report"].removeprefix("DiagnosticReport/")
    finding_id = head["finding"].removeprefix("Observation/")
    urls = visited_urls(page)
    open_worklist(page, suite)
    page.locator(f'#rows tr[data-id="{report_id}"]').get_by_role("link").click()
    finding = page.locator("article.finding", has_text="Intracranial haemorrhage")
    expect(finding.get_by_role("row", name="Volume")).to_contain_text("20 mL")
    viewer = finding.locator(f'figure.viewer[data-finding="{finding_id}"]')
    expect(viewer.locator(".slice-label")).to_contain_text("(key slice)")
    expect(viewer.locator("img.slice")).to_be_visible()
    expect(viewer.locator("img.overlay")).to_be_visible()
    shoot(page, artifacts, "study-key-image")
    key = int(viewer.get_attribute("data-slice") or "")
    key_src = viewer.locator("img.slice").get_attribute("src")

    viewer.get_by_label("Slice", exact=True).fill(str(key - 2))
    expect(viewer).to_have_attribute("data-slice", str(key - 2))
    expect(viewer.locator(".slice-label")).to_contain_text(f"Slice {key - 1} of")
    assert viewer.locator("img.slice").get_attribute("src") != key_src
    viewer.get_by_role("button", name="Next slice").click()
    expect(viewer).to_have_attribute("data-slice", str(key - 1))
    assert [u for u in urls if f"/app/worklist/{report_id}/findings/" in u]
    # Signed, it leaves the open work, ahead of the live test's new STAT study.
    page.get_by_role("button", name="Sign the report").click()
    expect(page.locator("#report-status")).to_have_text("final")
