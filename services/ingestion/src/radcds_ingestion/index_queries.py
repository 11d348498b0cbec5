"""QIDO-RS matching over the instance index (PS3.18 8.3.4)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Engine, RowMapping, and_, distinct, func, select

from radcds_ingestion.index_schema import instances, studies

# PS3.18 8.3.4.1: attributes a client may match studies on, by keyword and by tag.
STUDY_MATCH_KEYS = {
    "PatientID": "patient_id",
    "00100020": "patient_id",
    "AccessionNumber": "accession_number",
    "00080050": "accession_number",
    "StudyInstanceUID": "study_instance_uid",
    "0020000D": "study_instance_uid",
    "StudyDate": "study_date",
    "00080020": "study_date",
}
MODALITIES_KEYS = ("ModalitiesInStudy", "00080061", "Modality", "00080060")


@dataclass(frozen=True)
class StudyQuery:
    matches: dict[str, str] = field(default_factory=dict)
    modality: str = ""
    limit: int = 100
    offset: int = 0


def study_query(params: dict[str, str], limit: int, offset: int) -> StudyQuery:
    matches = {STUDY_MATCH_KEYS[k]: v for k, v in params.items() if k in STUDY_MATCH_KEYS and v}
    modality = next((params[k] for k in MODALITIES_KEYS if params.get(k)), "")
    return StudyQuery(matches, modality, limit, offset)


def _condition(column: str, value: str) -> ColumnElement[bool]:
    target = studies.c[column]
    if column == "study_date" and "-" in value:
        start, _, end = value.partition("-")
        bounds = [target >= start] if start else []
        return and_(*bounds, *([target <= end] if end else []))
    if "*" in value or "?" in value:
        pattern = value.replace("%", r"\%").replace("_", r"\_")
        return target.like(pattern.replace("*", "%").replace("?", "_"), escape="\\")
    return target == value


def find_studies(engine: Engine, query: StudyQuery) -> Sequence[RowMapping]:
    conditions = [_condition(column, value) for column, value in query.matches.items()]
    if query.modality:
        with_modality = select(instances.c.study_instance_uid).where(
            instances.c.modality == query.modality
        )
        conditions.append(studies.c.study_instance_uid.in_(with_modality))
    statement = (
        select(studies)
        .where(*conditions)
        .order_by(studies.c.study_date.desc(), studies.c.study_instance_uid)
        .limit(query.limit)
        .offset(query.offset)
    )
    with engine.connect() as connection:
        return connection.execute(statement).mappings().all()


def study_aggregates(engine: Engine, study_uids: list[str]) -> dict[str, dict[str, Any]]:
    """Per study: number of series and instances, and the modalities in it."""
    statement = (
        select(
            instances.c.study_instance_uid,
            instances.c.modality,
            func.count(distinct(instances.c.series_instance_uid)).label("series"),
            func.count().label("instances"),
        )
        .where(instances.c.study_instance_uid.in_(study_uids))
        .group_by(instances.c.study_instance_uid, instances.c.modality)
    )
    totals: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for row in connection.execute(statement).mappings():
            total = totals.setdefault(
                row["study_instance_uid"], {"series": 0, "instances": 0, "modalities": []}
            )
            total["series"] += row["series"]
            total["instances"] += row["instances"]
            total["modalities"].append(row["modality"])
    return totals


def find_instances(
    engine: Engine, study_uid: str, series_uid: str = "", sop_uid: str = ""
) -> Sequence[RowMapping]:
    conditions = [instances.c.study_instance_uid == study_uid]
    if series_uid:
        conditions.append(instances.c.series_instance_uid == series_uid)
    if sop_uid:
        conditions.append(instances.c.sop_instance_uid == sop_uid)
    statement = (
        select(instances)
        .where(*conditions)
        .order_by(instances.c.series_number, instances.c.instance_number)
    )
    with engine.connect() as connection:
        return connection.execute(statement).mappings().all()
