"""How two result sets for a study are ordered (radcds_report.ordering)."""

from radcds_report.ordering import ResultSetOrder, order_of, study_version


def finding(issued: str) -> dict[str, str]:
    return {"resourceType": "Observation", "issued": issued}


def test_the_imaging_study_version_decides_before_issued() -> None:
    partial = order_of("1", [finding("2026-11-28T08:09:00Z")])
    full = order_of("2", [finding("2026-11-28T08:05:00+00:00")])
    assert partial.older_than(full)
    assert not full.older_than(partial)


def test_the_latest_issued_decides_for_the_same_content() -> None:
    earlier = order_of("2", [finding("2026-11-28T08:00:00Z"), finding("2026-11-28T08:01:00Z")])
    later = order_of("2", [finding("2026-11-28T09:00:00+01:00"), finding("2026-11-28T08:02:00Z")])
    assert earlier.older_than(later)


def test_a_result_set_that_cannot_be_placed_is_not_older() -> None:
    unknown = ResultSetOrder(None, None)
    known = order_of("3", [finding("2026-11-28T08:00:00Z")])
    assert not unknown.older_than(known)
    assert not known.older_than(unknown)
    assert not order_of("", [finding("not a time")]).older_than(known)


def test_only_a_plain_number_is_a_version() -> None:
    assert study_version("12") == 12
    assert [study_version(v) for v in ("", "W/1", "²", "9" * 5000)] == [None] * 4
