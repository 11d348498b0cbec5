"""What the report service keeps beside the FHIR store: the content each report
version was rendered from (so that signing re-renders the same words), each result set
Compose saw with its order (so that an older one never replaces a newer one), and the
outbox of DICOM deliveries to the PACS. SQLite by default, PostgreSQL by URL."""

import asyncio
import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from radcds_report.content import (
    KeyImage,
    ModelLine,
    ReportContent,
    RiskLine,
    Signature,
)
from radcds_report.findings import Finding, Measurement
from radcds_report.ordering import ResultSetOrder, parse_instant

metadata = sa.MetaData()

contents = sa.Table(
    "report_content",
    metadata,
    sa.Column("study_uid", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(128), primary_key=True),
    sa.Column("content", sa.Text, nullable=False),
)

# `composing`: stored before the report's transaction; `composed`: it was the current
# version once; `held`: it arrived after a sign-off and waits for a clinician's review.
result_sets = sa.Table(
    "result_set",
    metadata,
    sa.Column("study_uid", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(128), primary_key=True),
    sa.Column("job_id", sa.String(128), nullable=False, default=""),
    sa.Column("study_version", sa.Integer, nullable=True),
    sa.Column("issued", sa.String(40), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("recorded_at", sa.Float, nullable=False),
)

Outcome = Literal["composing", "composed", "held"]


@dataclass(frozen=True)
class KnownResultSet:
    order: ResultSetOrder
    outcome: str
    job_id: str


deliveries = sa.Table(
    "delivery",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("destination", sa.String(128), nullable=False),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("dataset", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    # Seconds since the epoch: comparable the same way in SQLite and PostgreSQL.
    sa.Column("next_attempt", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False, default=""),
    sa.Column("delivered_at", sa.Float, nullable=True),
    sa.UniqueConstraint("destination", "sop_instance_uid"),
)


def content_to_json(content: ReportContent) -> str:
    data = asdict(content)
    data["key_images"] = [{**asdict(k), "png": k.png.hex()} for k in content.key_images]
    return json.dumps(data)


def content_from_json(text: str) -> ReportContent:
    data: dict[str, Any] = json.loads(text)
    findings = [
        Finding(
            **{
                **f,
                "measurements": [Measurement(**m) for m in f["measurements"]],
                "snomed": tuple(f["snomed"]) if f["snomed"] else None,
            }
        )
        for f in data["findings"]
    ]
    return ReportContent(
        **{
            **data,
            "findings": findings,
            "risks": [RiskLine(**r) for r in data["risks"]],
            "models": [ModelLine(**m) for m in data["models"]],
            "key_images": [
                KeyImage(**{**k, "png": bytes.fromhex(k["png"])}) for k in data["key_images"]
            ],
            "signatures": [Signature(**s) for s in data["signatures"]],
        }
    )


class ReportState:
    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(url)
        metadata.create_all(self._engine)
        self._add_delivered_at()

    def _add_delivered_at(self) -> None:
        """An outbox made before `delivered_at` existed gets the column (nullable, no data)."""
        columns = {c["name"] for c in sa.inspect(self._engine).get_columns("delivery")}
        if "delivered_at" not in columns:
            with self._engine.begin() as db:
                db.execute(sa.text("ALTER TABLE delivery ADD COLUMN delivered_at FLOAT"))

    @property
    def engine(self) -> sa.Engine:
        """The database, for the PACS publication queue that lives beside the outbox."""
        return self._engine

    async def reachable(self) -> bool:
        def probe() -> bool:
            with self._engine.connect() as db:
                return bool(db.execute(sa.select(1)).scalar_one() == 1)

        return await asyncio.to_thread(probe)

    def save_content(self, study_uid: str, digest: str, content: ReportContent) -> None:
        text = content_to_json(content)
        with self._engine.begin() as db:
            db.execute(
                contents.delete().where(
                    (contents.c.study_uid == study_uid) & (contents.c.digest == digest)
                )
            )
            db.execute(contents.insert().values(study_uid=study_uid, digest=digest, content=text))

    def load_content(self, study_uid: str, digest: str) -> ReportContent | None:
        with self._engine.connect() as db:
            text = db.execute(
                sa.select(contents.c.content).where(
                    (contents.c.study_uid == study_uid) & (contents.c.digest == digest)
                )
            ).scalar_one_or_none()
        return content_from_json(text) if text else None

    def record_result_set(
        self, study_uid: str, digest: str, order: ResultSetOrder, outcome: Outcome, job_id: str
    ) -> None:
        issued = order.issued.isoformat() if order.issued is not None else None
        where = (result_sets.c.study_uid == study_uid) & (result_sets.c.digest == digest)
        with self._engine.begin() as db:
            db.execute(result_sets.delete().where(where))
            db.execute(
                result_sets.insert().values(
                    study_uid=study_uid, digest=digest, job_id=job_id,
                    study_version=order.study_version, issued=issued, outcome=outcome,
                    recorded_at=time.time(),
                )
            )  # fmt: skip

    def mark_composed(self, study_uid: str, digest: str) -> None:
        """The result set is the report's current version (after its transaction)."""
        where = (result_sets.c.study_uid == study_uid) & (result_sets.c.digest == digest)
        with self._engine.begin() as db:
            db.execute(result_sets.update().where(where).values(outcome="composed"))

    def result_set(self, study_uid: str, digest: str) -> KnownResultSet | None:
        where = (result_sets.c.study_uid == study_uid) & (result_sets.c.digest == digest)
        with self._engine.connect() as db:
            row = db.execute(sa.select(result_sets).where(where)).first()
        if row is None:
            return None
        issued: datetime | None = parse_instant(row.issued) if row.issued else None
        order = ResultSetOrder(row.study_version, issued)
        return KnownResultSet(order, str(row.outcome), str(row.job_id))

    def enqueue(
        self, destination: str, sop_uid: str, study_uid: str, kind: str, dataset: bytes
    ) -> None:
        """Queues one DICOM object for a destination; a repeat of the same object is a no-op."""
        with self._engine.begin() as db:
            exists = db.execute(
                sa.select(deliveries.c.id).where(
                    (deliveries.c.destination == destination)
                    & (deliveries.c.sop_instance_uid == sop_uid)
                )
            ).first()
            if exists is None:
                db.execute(
                    deliveries.insert().values(
                        destination=destination,
                        sop_instance_uid=sop_uid,
                        study_uid=study_uid,
                        kind=kind,
                        dataset=dataset,
                        state="pending",
                        attempts=0,
                        next_attempt=time.time(),
                        last_error="",
                    )
                )

    def due(self, limit: int = 20) -> list[sa.Row[Any]]:
        with self._engine.connect() as db:
            return list(
                db.execute(
                    sa.select(deliveries)
                    .where(
                        (deliveries.c.state == "pending")
                        & (deliveries.c.next_attempt <= time.time())
                    )
                    .order_by(deliveries.c.id)
                    .limit(limit)
                )
            )

    def delivered(self, delivery_id: int) -> None:
        with self._engine.begin() as db:
            db.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id)
                .values(state="delivered", last_error="", delivered_at=time.time())
            )

    def failed(self, delivery_id: int, attempts: int, error: str, backoff_s: float) -> None:
        """Records a failed attempt; the delivery stays pending and is retried after `backoff`."""
        with self._engine.begin() as db:
            db.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id)
                .values(
                    attempts=attempts, last_error=error[:2000], next_attempt=time.time() + backoff_s
                )
            )

    def deliveries_of(self, study_uid: str) -> list[sa.Row[Any]]:
        with self._engine.connect() as db:
            return list(
                db.execute(
                    sa.select(deliveries)
                    .where(deliveries.c.study_uid == study_uid)
                    .order_by(deliveries.c.id)
                )
            )
