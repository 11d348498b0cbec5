"""Index rows as IngestionService proto messages."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from google.protobuf.timestamp_pb2 import Timestamp
from radcds.common.v1 import common_pb2
from radcds.ingestion.v1 import ingestion_pb2
from sqlalchemy import RowMapping

from radcds_ingestion.index import RECEIVING, STABLE, SUBMITTED, StudySnapshot

STATES = {
    RECEIVING: ingestion_pb2.STUDY_STATE_RECEIVING,
    STABLE: ingestion_pb2.STUDY_STATE_STABLE,
    SUBMITTED: ingestion_pb2.STUDY_STATE_SUBMITTED,
}


def timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def study_message(snapshot: StudySnapshot) -> ingestion_pb2.Study:
    study = snapshot.study
    series = [series_message(list(rows)) for _, rows in _grouped(snapshot.instances)]
    return ingestion_pb2.Study(
        study_instance_uid=study["study_instance_uid"],
        state=STATES[snapshot.state],
        modalities=sorted({s.modality for s in series if s.modality}),
        series=series,
        number_of_instances=len(snapshot.instances),
        total_bytes=sum(row["size_bytes"] for row in snapshot.instances),
        first_received_time=timestamp(study["first_received_at"]),
        last_received_time=timestamp(study["last_received_at"]),
        content_digest=snapshot.content_digest,
        imaging_study=common_pb2.FhirReference(
            reference=study["imaging_study_ref"], version_id=study["imaging_study_version"]
        ),
    )


def series_message(rows: list[RowMapping]) -> ingestion_pb2.Series:
    first = rows[0]
    return ingestion_pb2.Series(
        series_instance_uid=first["series_instance_uid"],
        modality=first["modality"],
        body_part_examined=first["body_part_examined"],
        series_description=first["series_description"],
        number_of_instances=len(rows),
        slice_thickness_mm=first["slice_thickness_mm"] or 0.0,
        sop_class_uids=sorted({row["sop_class_uid"] for row in rows}),
    )


def _grouped(rows: Sequence[RowMapping]) -> groupby[str, RowMapping]:
    ordered = sorted(rows, key=lambda row: str(row["series_instance_uid"]))
    return groupby(ordered, key=lambda row: str(row["series_instance_uid"]))
