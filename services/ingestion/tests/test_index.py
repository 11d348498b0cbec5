"""The instance index on its embedded (SQLite) and production (PostgreSQL) databases."""

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from radcds_ingestion.index import RECEIVING, STABLE, SUBMITTED, InstanceIndex, content_digest
from radcds_ingestion.index_queries import find_studies, study_aggregates, study_query
from radcds_ingestion.instance_header import read_instance_header
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def any_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InstanceIndex]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_dsn").replace(
            "postgresql://", "postgresql+psycopg://"
        )
        database = f"ingestion_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {database}"))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + f"/{database}"
    index = InstanceIndex(url)
    index.open()
    yield index
    index.close()


def test_instances_group_into_studies_with_publication_state(any_index, write_ct_series) -> None:
    paths = write_ct_series(3, mrn="MRN-IDX", accession="ACC-IDX")
    headers = [read_instance_header(path) for path in paths]
    study_uid = headers[0].study_instance_uid

    assert [any_index.add(h, f"/spool/{i}", 100, 1000.0 + i) for i, h in enumerate(headers)] == [
        True
    ] * 3
    assert any_index.add(headers[0], "/spool/0", 100, 1010.0) is False

    snapshot = any_index.snapshot(study_uid)
    assert snapshot is not None
    assert snapshot.state == RECEIVING
    assert snapshot.study["revision"] == 3
    assert snapshot.content_digest == content_digest(h.sop_instance_uid for h in headers)
    assert any_index.due_for_publication(1009.0) == []
    assert any_index.due_for_publication(1010.0) == [study_uid]

    any_index.record(study_uid, published_revision=3)
    assert any_index.snapshot(study_uid).state == STABLE
    any_index.record(study_uid, submitted_revision=3, submitted_digest=snapshot.content_digest)
    assert any_index.snapshot(study_uid).state == SUBMITTED
    assert any_index.due_for_publication(2000.0) == []


def test_qido_matching(any_index, write_ct_series) -> None:
    for mrn in ("MRN-A", "MRN-B"):
        for path in write_ct_series(2, mrn=mrn):
            any_index.add(read_instance_header(path), str(path), 100, 1000.0)

    def found(**params: str) -> list[str]:
        rows = find_studies(any_index.engine, study_query(params, 10, 0))
        return sorted(row["patient_id"] for row in rows)

    assert found(PatientID="MRN-A") == ["MRN-A"]
    assert found(PatientID="MRN-*") == ["MRN-A", "MRN-B"]
    assert found(StudyDate="20260101-") == ["MRN-A", "MRN-B"]
    assert found(StudyDate="-20251231") == []
    assert found(ModalitiesInStudy="CT", AccessionNumber="ACC001") == ["MRN-A", "MRN-B"]
    assert found(ModalitiesInStudy="MR") == []
    rows = find_studies(any_index.engine, study_query({}, 10, 0))
    totals = study_aggregates(any_index.engine, [r["study_instance_uid"] for r in rows])
    assert {t["instances"] for t in totals.values()} == {2}


FIRST = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
LATER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_the_first_instance_traceparent_stays_with_the_study(any_index, write_ct_series) -> None:
    headers = [read_instance_header(path) for path in write_ct_series(2)]
    study_uid = headers[0].study_instance_uid
    any_index.add(headers[0], "/spool/0", 100, 1000.0, FIRST)
    any_index.add(headers[1], "/spool/1", 100, 1001.0, LATER)

    assert any_index.traceparent(study_uid) == FIRST
    assert any_index.traceparent("1.2.3.4") == ""
    reopened = InstanceIndex(str(any_index.engine.url.render_as_string(hide_password=False)))
    reopened.open()
    assert reopened.traceparent(study_uid) == FIRST
    reopened.close()


def test_an_index_made_before_traces_gets_the_column(tmp_path: Path, write_ct_series) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = create_engine(url)
    with old.begin() as connection:
        connection.execute(
            text("CREATE TABLE studies (study_instance_uid VARCHAR(64) PRIMARY KEY)")
        )
    old.dispose()
    index = InstanceIndex(url)
    index.open()
    header = read_instance_header(write_ct_series(1)[0])
    with index.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO studies (study_instance_uid) VALUES (:uid)"),
            {"uid": header.study_instance_uid},
        )
    assert index.traceparent(header.study_instance_uid) == ""
    index.close()


def test_results_beside_a_study_change_its_revision_not_its_content_digest(
    any_index, write_ct_series
) -> None:
    """Inference's SEG is stored in the study: the ImagingStudy is published again, but the
    digest that keys the inference job stays, or each SEG would start a job making another."""
    headers = [read_instance_header(path) for path in write_ct_series(2)]
    for i, header in enumerate(headers):
        any_index.add(header, f"/spool/{i}", 100, 1000.0)
    images = any_index.snapshot(headers[0].study_instance_uid)
    seg = dataclasses.replace(headers[0], sop_instance_uid="2.25.1", modality="SEG")
    assert any_index.add(seg, "/spool/seg", 100, 1001.0) is True

    with_seg = any_index.snapshot(headers[0].study_instance_uid)
    assert with_seg.study["revision"] == images.study["revision"] + 1
    assert len(with_seg.instances) == 3
    assert with_seg.content_digest == images.content_digest
