"""The durable request to publish a study's current report to the PACS.

Compose, sign and amend request publication before their FHIR transaction and again
after it, and answer only once the request is stored; the delivery worker builds the
documents later. Each request raises the study's generation; building for generation g
marks only g published, so a request that arrives while a build runs is not lost. The
request made before the write is held back for longer than the write may take: the worker
does not consume it while the write is in flight, and if the process dies between the
write and the second request, the held one still publishes the new version.
"""

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

# Longer than the FHIR store client's 10 s deadline on the transaction.
BEFORE_WRITE_HOLD_S = 60.0

metadata = sa.MetaData()

publications = sa.Table(
    "pacs_publication",
    metadata,
    sa.Column("study_uid", sa.String(64), primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("published", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    # Seconds since the epoch, as in the delivery table.
    sa.Column("next_attempt", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class PublicationRequest:
    study_uid: str
    generation: int
    attempts: int


class PublicationQueue:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        metadata.create_all(engine)

    def request_before_write(self, study_uid: str) -> None:
        self.request(study_uid, hold_s=BEFORE_WRITE_HOLD_S)

    def request(self, study_uid: str, hold_s: float = 0.0) -> None:
        due = time.time() + hold_s
        with self._engine.begin() as db:
            raised = db.execute(
                publications.update()
                .where(publications.c.study_uid == study_uid)
                .values(generation=publications.c.generation + 1, attempts=0, next_attempt=due)
            )
            if raised.rowcount == 0:
                db.execute(
                    publications.insert().values(
                        study_uid=study_uid, generation=1, published=0, attempts=0,
                        next_attempt=due, last_error="",
                    )
                )  # fmt: skip

    def due(self, limit: int = 20) -> list[PublicationRequest]:
        query = (
            sa.select(publications.c.study_uid, publications.c.generation, publications.c.attempts)
            .where(
                (publications.c.generation > publications.c.published)
                & (publications.c.next_attempt <= time.time())
            )
            .order_by(publications.c.next_attempt)
            .limit(limit)
        )
        with self._engine.connect() as db:
            return [PublicationRequest(*row) for row in db.execute(query)]

    def published(self, request: PublicationRequest) -> None:
        with self._engine.begin() as db:
            db.execute(
                publications.update()
                .where(
                    (publications.c.study_uid == request.study_uid)
                    & (publications.c.published < request.generation)
                )
                .values(published=request.generation, attempts=0, last_error="")
            )

    def failed(self, request: PublicationRequest, error: str, backoff_s: float) -> None:
        with self._engine.begin() as db:
            db.execute(
                publications.update()
                .where(publications.c.study_uid == request.study_uid)
                .values(
                    attempts=request.attempts + 1,
                    last_error=error[:2000],
                    next_attempt=_not_before(time.time() + backoff_s),
                )
            )


def _not_before(when: float) -> Any:
    """`when`, or the row's own later time: a failure never shortens a hold."""
    later = publications.c.next_attempt > when
    return sa.case((later, publications.c.next_attempt), else_=when)
