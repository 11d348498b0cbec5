"""The instance index: which instances are on disk, grouped into studies.

The spool is the source of truth; the index can be rebuilt from it
(``recovery.reindex_spool``), so a crash between the two loses nothing.
"""

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Engine,
    Integer,
    RowMapping,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from radcds_ingestion.index_schema import instances, metadata, studies
from radcds_ingestion.instance_header import InstanceHeader

RECEIVING, STABLE, SUBMITTED = "receiving", "stable", "submitted"
# Results written beside a study (PS3.3 C.7.3.1.1.1 Modality): segmentations, structured
# reports, encapsulated documents, key objects, presentation states. No model reads them.
RESULT_MODALITIES = frozenset({"SEG", "SR", "DOC", "KO", "PR"})


@dataclass(frozen=True)
class StudySnapshot:
    """One study's row and its instances, read in one transaction."""

    study: RowMapping
    instances: Sequence[RowMapping]

    @property
    def content_digest(self) -> str:
        """Digest of the study's images, which key its inference job. The results written
        beside them are left out: inference's SEG would otherwise make new content, a new
        job, and that job a new SEG, without end."""
        return content_digest(
            row["sop_instance_uid"]
            for row in self.instances
            if row["modality"] not in RESULT_MODALITIES
        )

    @property
    def state(self) -> str:
        return study_state(self.study)


def content_digest(sop_instance_uids: Any) -> str:
    joined = "\n".join(sorted(sop_instance_uids))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def study_state(study: RowMapping) -> str:
    if study["submitted_revision"] == study["revision"]:
        return SUBMITTED
    if study["published_revision"] == study["revision"]:
        return STABLE
    return RECEIVING


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL with synchronous=NORMAL survives a process crash; the spool rescan covers power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


TRACEPARENTS_KEPT = 1024


class InstanceIndex:
    """Instances and studies in SQL, safe to call from several threads."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._insert = postgresql.insert if self.engine.dialect.name != "sqlite" else sqlite.insert
        # Built once: each add then only binds values to statements already compiled.
        self._add_instance = (
            self._insert(instances).on_conflict_do_nothing().returning(instances.c.sop_instance_uid)
        )
        study_insert = self._insert(studies)
        self._add_study = study_insert.on_conflict_do_update(
            index_elements=[studies.c.study_instance_uid],
            set_={
                "last_received_at": study_insert.excluded.last_received_at,
                "revision": studies.c.revision + bindparam("added", type_=Integer),
            },
        )
        # A study's traceparent never changes once stored: every received instance asks
        # for it, so the recent studies' are kept rather than read per instance.
        self._traceparents: OrderedDict[str, str] = OrderedDict()

    def open(self) -> None:
        metadata.create_all(self.engine)
        self._add_traceparent_column()

    def _add_traceparent_column(self) -> None:
        """An index made before studies had a traceparent gets the column, empty."""
        columns = {c["name"] for c in inspect(self.engine).get_columns("studies")}
        if "traceparent" not in columns:
            with self.engine.begin() as connection:
                connection.execute(
                    text(
                        "ALTER TABLE studies ADD COLUMN traceparent VARCHAR(55) NOT NULL DEFAULT ''"
                    )
                )

    def close(self) -> None:
        self.engine.dispose()

    def add(
        self, header: InstanceHeader, path: str, size_bytes: int, now: float, traceparent: str = ""
    ) -> bool:
        """Index an instance already durable on disk; True when it is new to the index.

        ``traceparent`` is kept only by the instance that creates the study's row."""
        with self.engine.begin() as connection:
            inserted = connection.execute(
                self._add_instance, _instance_values(header, path, size_bytes, now)
            )
            is_new = inserted.first() is not None
            study = _study_values(header, now) | {"traceparent": traceparent, "added": int(is_new)}
            connection.execute(self._add_study, study)
        return is_new

    def indexed_paths(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.scalars(select(instances.c.path)))

    def snapshot(self, study_instance_uid: str) -> StudySnapshot | None:
        with self.engine.connect() as connection:
            study = (
                connection.execute(
                    select(studies).where(studies.c.study_instance_uid == study_instance_uid)
                )
                .mappings()
                .first()
            )
            if study is None:
                return None
            rows = (
                connection.execute(
                    select(instances)
                    .where(instances.c.study_instance_uid == study_instance_uid)
                    .order_by(instances.c.series_number, instances.c.instance_number)
                )
                .mappings()
                .all()
            )
        return StudySnapshot(study, rows)

    def traceparent(self, study_instance_uid: str) -> str:
        """The study's trace context, "" for an unknown study or one without a trace."""
        if (known := self._traceparents.get(study_instance_uid)) is not None:
            return known
        with self.engine.connect() as connection:
            stored = str(
                connection.scalar(
                    select(studies.c.traceparent).where(
                        studies.c.study_instance_uid == study_instance_uid
                    )
                )
                or ""
            )
        if stored:
            self._traceparents[study_instance_uid] = stored
            while len(self._traceparents) > TRACEPARENTS_KEPT:
                self._traceparents.popitem(last=False)
        return stored

    def study_rows(self, limit: int, offset: int) -> Sequence[RowMapping]:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    select(studies)
                    .order_by(studies.c.last_received_at.desc(), studies.c.study_instance_uid)
                    .limit(limit)
                    .offset(offset)
                )
                .mappings()
                .all()
            )

    def due_for_publication(self, received_before: float) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    select(studies.c.study_instance_uid).where(
                        studies.c.revision > studies.c.submitted_revision,
                        studies.c.last_received_at <= received_before,
                    )
                )
            )

    def is_reachable(self) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(select(1)) == 1

    def instance_count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(instances)) or 0)

    def record(self, study_instance_uid: str, **values: Any) -> None:
        """Durably update a study's publication state."""
        with self.engine.begin() as connection:
            connection.execute(
                update(studies)
                .where(studies.c.study_instance_uid == study_instance_uid)
                .values(**values)
            )


def _instance_values(header: InstanceHeader, path: str, size: int, now: float) -> dict[str, Any]:
    return {
        "sop_instance_uid": header.sop_instance_uid,
        "study_instance_uid": header.study_instance_uid,
        "series_instance_uid": header.series_instance_uid,
        "sop_class_uid": header.sop_class_uid,
        "transfer_syntax_uid": header.transfer_syntax_uid,
        "modality": header.modality,
        "series_number": header.series_number,
        "series_description": header.series_description,
        "body_part_examined": header.body_part_examined,
        "slice_thickness_mm": header.slice_thickness_mm,
        "instance_number": header.instance_number,
        "path": path,
        "size_bytes": size,
        "received_at": now,
    }


def _study_values(header: InstanceHeader, now: float) -> dict[str, Any]:
    return {
        "study_instance_uid": header.study_instance_uid,
        "patient_id": header.patient_id,
        "patient_name": header.patient_name,
        "patient_birth_date": header.patient_birth_date,
        "accession_number": header.accession_number,
        "study_date": header.study_date,
        "study_time": header.study_time,
        "study_description": header.study_description,
        "first_received_at": now,
        "last_received_at": now,
        "revision": 1,
        "published_revision": 0,
        "submitting_digest": "",
        "submitted_revision": 0,
        "submitted_digest": "",
        "imaging_study_ref": "",
        "imaging_study_version": "",
        "patient_ref": "",
    }
