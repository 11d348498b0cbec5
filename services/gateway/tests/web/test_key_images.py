"""The key image viewer on the patient page, in Debian's Chromium: a real head CT and its
AI mask (SEG) in ingestion, cut into slices by the real report service (GetKeyImage)."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from web_browser import ehr_launch, log_in, shoot, visited_urls
from web_images import key_image_study
from web_seed import seed_ich_study
from web_suite import PHYSICIAN, WebSuite

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def head_study(suite: WebSuite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return key_image_study(suite, tmp_path_factory.mktemp("head"), "demo-patient-1", seed=31)


def open_patient_page(page: Page, suite: WebSuite, head_study: dict[str, Any]) -> Locator:
    link = suite.card_link("demo-patient-1", [head_study["finding"], head_study["study"]])
    ehr_launch(page, suite, link)
    log_in(page, PHYSICIAN)
    page.wait_for_url("**/app/patient")
    finding_id = head_study["finding"].removeprefix("Observation/")
    viewer = page.locator(f'figure.viewer[data-finding="{finding_id}"]')
    expect(viewer.locator(".slice-label")).to_contain_text("(key slice)")
    return viewer


def test_the_viewer_moves_through_slices_windows_and_hides_the_mask(
    suite: WebSuite, page: Page, artifacts: Path, head_study: dict[str, Any]
) -> None:
    urls = visited_urls(page)
    viewer = open_patient_page(page, suite, head_study)
    slice_image, overlay = viewer.locator("img.slice"), viewer.locator("img.overlay")
    expect(overlay).to_be_visible()
    shoot(page, artifacts, "patient-key-image")
    key = int(viewer.get_attribute("data-slice") or "")
    key_src = slice_image.get_attribute("src")

    slider = viewer.get_by_label("Slice", exact=True)
    slider.fill(str(key - 2))
    expect(viewer).to_have_attribute("data-slice", str(key - 2))
    expect(viewer.locator(".slice-label")).to_contain_text(f"Slice {key - 1} of")
    assert slice_image.get_attribute("src") != key_src

    viewer.get_by_role("button", name="Next slice").click()
    expect(viewer).to_have_attribute("data-slice", str(key - 1))
    viewer.locator(".stack").press("ArrowUp")
    expect(viewer).to_have_attribute("data-slice", str(key))
    assert slice_image.get_attribute("src") == key_src

    viewer.get_by_label("Show AI mask").uncheck()
    expect(overlay).to_be_hidden()
    viewer.get_by_label("Show AI mask").check()
    expect(overlay).to_be_visible()

    viewer.get_by_label("Window").select_option("bone")
    expect(viewer).to_have_attribute("data-window", "bone")
    assert slice_image.get_attribute("src") != key_src
    shoot(page, artifacts, "patient-key-image-bone")
    assert [u for u in urls if "/key-image" in u]
    assert not [u for u in urls if "demo-patient" in u or "Synthetic" in u]


def test_key_images_are_private_and_confined_to_the_launch_patient(
    suite: WebSuite, page: Page, head_study: dict[str, Any]
) -> None:
    open_patient_page(page, suite, head_study)
    report_id = head_study["report"].removeprefix("DiagnosticReport/")
    finding_id = head_study["finding"].removeprefix("Observation/")
    own = page.request.get(
        f"{suite.web_url}/app/reports/{report_id}/findings/{finding_id}/key-image?window=lung"
    )
    assert own.status == 200
    assert own.headers["cache-control"].startswith("private")
    assert own.json()["window"] == "lung"
    assert own.json()["overlay"].startswith("data:image/png;base64,")
    # Patient 2's report and finding, from this patient-1 session.
    other = suite.run(lambda store, report: seed_ich_study(store, report, "demo-patient-2", 9.0))
    other_report = other["report"].removeprefix("DiagnosticReport/")
    other_finding = other["finding"].removeprefix("Observation/")
    url = f"{suite.web_url}/app/reports/{other_report}/findings/{other_finding}/key-image"
    assert page.request.get(url).status == 403
    # A finding the report does not list.
    url = f"{suite.web_url}/app/reports/{report_id}/findings/{other_finding}/key-image"
    assert page.request.get(url).status == 404
    # The study page's route is the worklist's: shut to a patient launch, even for its own.
    url = f"{suite.web_url}/app/worklist/{report_id}/findings/{finding_id}/key-image"
    assert page.request.get(url).status == 403
