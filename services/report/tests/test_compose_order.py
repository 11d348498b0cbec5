"""A stale result set never replaces a newer report, and no AI result set replaces a signed
one: inference retries each job's hand-over until Compose accepts it, so an older job's
Compose can arrive after a newer job's (partial study after an ingestion crash, then the
full study)."""

import json
from typing import Any

import pytest
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2

pytestmark = pytest.mark.integration


async def finding(suite: Any, issued: str) -> str:
    """One job's haemorrhage Observation (the seeded one again), stored at `issued`."""
    seeded = await suite.store.get("Observation", suite.seeded["finding"].partition("/")[2])
    observation = {k: v for k, v in seeded.items() if k not in ("id", "meta")}
    stored, _ = await suite.store.put({**observation, "issued": issued})
    return f"Observation/{stored['id']}"


def compose(
    suite: Any, observation: str, digest: str, study_version: str = ""
) -> report_pb2.ComposeRequest:
    s = suite.seeded
    return report_pb2.ComposeRequest(
        study_instance_uid=s["study_uid"],
        imaging_study=common_pb2.FhirReference(reference=s["study"], version_id=study_version),
        patient=common_pb2.FhirReference(reference=s["patient"]),
        findings=[common_pb2.FhirReference(reference=observation)],
        result_set_digest=digest,
        job_id=f"job-{digest}",
    )


async def current(suite: Any) -> dict[str, Any]:
    request = report_pb2.GetReportRequest(
        study_instance_uid=suite.seeded["study_uid"], omit_documents=True
    )
    reply = await suite.report.GetReport(request)
    return dict(json.loads(reply.report.diagnostic_report))


def digest_of(report: dict[str, Any]) -> str:
    [extension] = [e for e in report["extension"] if e["url"].endswith("/result-set-digest")]
    return str(extension["valueString"])


async def test_a_retried_hand_over_of_an_older_job_leaves_the_newer_report(suite: Any) -> None:
    partial = await finding(suite, "2026-11-28T08:00:00+00:00")
    full = await finding(suite, "2026-11-28T08:05:00+00:00")
    await suite.report.Compose(compose(suite, partial, "partial", "1"))
    newer = await suite.report.Compose(compose(suite, full, "full", "2"))

    for _ in range(2):
        stale = await suite.report.Compose(compose(suite, partial, "partial", "1"))
        assert stale.duplicate
        assert stale.diagnostic_report == newer.diagnostic_report

    report = await current(suite)
    assert report["meta"]["versionId"] == newer.diagnostic_report.version_id
    assert report["result"] == [{"reference": full}]
    assert digest_of(report) == "full"


@pytest.mark.parametrize(
    ("versions", "partial_issued"),
    [
        # The partial job's findings were stored last (its Triton call was retried), but
        # it was submitted for an earlier ImagingStudy version: the version decides.
        (("1", "2"), "2026-11-28T08:09:00+00:00"),
        # No ImagingStudy version carried: the findings' `issued` decides.
        (("", ""), "2026-11-28T08:00:00+00:00"),
    ],
    ids=["imaging-study-version", "findings-issued"],
)
async def test_an_older_result_set_first_seen_after_the_newer_is_superseded(
    suite: Any, versions: tuple[str, str], partial_issued: str
) -> None:
    partial = await finding(suite, partial_issued)
    full = await finding(suite, "2026-11-28T08:05:00+00:00")
    newer = await suite.report.Compose(compose(suite, full, "full", versions[1]))

    stale = await suite.report.Compose(compose(suite, partial, "partial", versions[0]))

    assert stale.duplicate
    assert stale.diagnostic_report == newer.diagnostic_report
    report = await current(suite)
    assert report["result"] == [{"reference": full}]
    assert digest_of(report) == "full"


async def test_a_newer_result_set_still_makes_a_new_version(suite: Any) -> None:
    partial = await finding(suite, "2026-11-28T08:00:00+00:00")
    full = await finding(suite, "2026-11-28T08:05:00+00:00")
    first = await suite.report.Compose(compose(suite, partial, "partial", "1"))
    second = await suite.report.Compose(compose(suite, full, "full", "2"))
    assert not second.duplicate
    assert int(second.diagnostic_report.version_id) > int(first.diagnostic_report.version_id)
    assert (await current(suite))["result"] == [{"reference": full}]


async def test_a_new_result_set_after_sign_off_keeps_the_signed_report(suite: Any) -> None:
    first = await finding(suite, "2026-11-28T08:00:00+00:00")
    composed = await suite.report.Compose(compose(suite, first, "first", "1"))
    signer = common_pb2.Actor(
        kind=common_pb2.ACTOR_KIND_PRACTITIONER, reference=suite.seeded["practitioner"]
    )
    await suite.report.SignReport(
        report_pb2.SignReportRequest(
            diagnostic_report_id=composed.diagnostic_report.reference.split("/")[1],
            signer=signer,
        )
    )
    signed = await current(suite)
    later = await finding(suite, "2026-11-28T09:00:00+00:00")

    for _ in range(2):
        reply = await suite.report.Compose(compose(suite, later, "later", "2"))
        assert reply.duplicate
        assert reply.diagnostic_report.version_id == signed["meta"]["versionId"]

    report = await current(suite)
    assert report["status"] == "final"
    assert report["meta"]["versionId"] == signed["meta"]["versionId"]
    assert report["conclusion"] == signed["conclusion"]
    assert report["result"] == [{"reference": first}]
    assert report["resultsInterpreter"][0]["reference"] == suite.seeded["practitioner"]
