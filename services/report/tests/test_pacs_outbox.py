"""The outbox's rules without a network: backoff, publication generations, settings."""

from pathlib import Path

import pydantic
import pytest
from radcds_report.pacs.publications import PublicationQueue
from radcds_report.pacs.retry import RetryPolicy
from radcds_report.settings import ReportSettings
from radcds_report.state import ReportState

pytestmark = pytest.mark.unit


def test_backoff_doubles_up_to_the_cap_and_never_ends() -> None:
    policy = RetryPolicy(base_s=2.0, cap_s=300.0)
    assert [policy.backoff_s(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert policy.backoff_s(9) == 300.0
    assert policy.backoff_s(10_000) == 300.0


def queue(tmp_path: Path) -> tuple[ReportState, PublicationQueue]:
    state = ReportState(f"sqlite:///{tmp_path / 'report.sqlite'}")
    return state, PublicationQueue(state.engine)


def test_a_request_during_a_build_keeps_the_study_pending(tmp_path: Path) -> None:
    _, publications = queue(tmp_path)
    publications.request("1.2.3")
    [building] = publications.due()
    publications.request("1.2.3")  # e.g. signed while the preliminary version was built
    publications.published(building)
    [again] = publications.due()
    assert again.generation == building.generation + 1
    publications.published(again)
    assert publications.due() == []


def test_a_failed_publication_waits_its_backoff_and_stays(tmp_path: Path) -> None:
    _, publications = queue(tmp_path)
    publications.request("1.2.3")
    [request] = publications.due()
    publications.failed(request, "UNAVAILABLE", backoff_s=3600)
    assert publications.due() == []
    publications.request("1.2.3")  # a new request is tried at once
    assert [r.study_uid for r in publications.due()] == ["1.2.3"]


def test_the_outbox_keeps_one_entry_per_destination_and_instance(tmp_path: Path) -> None:
    state, _ = queue(tmp_path)
    for _ in range(2):
        state.enqueue("PACS@10.0.0.1:104", "2.25.1", "1.2.3", "sr", b"DICM")
    state.enqueue("PACS2@10.0.0.2:104", "2.25.1", "1.2.3", "sr", b"DICM")
    assert len(state.deliveries_of("1.2.3")) == 2


def test_destinations_come_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "RADCDS_REPORT_PACS_DESTINATIONS", '[{"ae_title": "PACS", "host": "pacs", "port": 104}]'
    )
    [destination] = ReportSettings().report_pacs_destinations
    assert destination.key == "PACS@pacs:104"
    monkeypatch.setenv(
        "RADCDS_REPORT_PACS_DESTINATIONS",
        '[{"ae_title": "A_TITLE_TOO_LONG_", "host": "h", "port": 1}]',
    )
    with pytest.raises(pydantic.ValidationError):
        ReportSettings()


def test_no_destination_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RADCDS_REPORT_PACS_DESTINATIONS", raising=False)
    assert ReportSettings().report_pacs_destinations == ()


def test_the_request_before_a_write_waits_for_the_one_after_it(tmp_path: Path) -> None:
    _, publications = queue(tmp_path)
    publications.request("1.2.3")
    [earlier] = publications.due()
    publications.request_before_write("1.2.3")
    assert publications.due() == []  # the write is in flight
    publications.failed(earlier, "UNAVAILABLE", backoff_s=0)
    assert publications.due() == []  # a failure does not cut the hold short
    publications.request("1.2.3")  # the write is stored
    assert [r.study_uid for r in publications.due()] == ["1.2.3"]
