"""Feedback rows in the gateway's database (a table of its own beside the FHIR
repository's), summarised per service and model version, and shown to Prometheus."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from radcds_gateway.cds.card_parts import OVERRIDE_REASONS
from radcds_gateway.cds.feedback import Feedback

# Reason codes as metric labels: ours by name, any other a client adds counted as other.
KNOWN_REASONS = frozenset(code for code, _ in OVERRIDE_REASONS)

metadata = MetaData()
cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(64), nullable=False),
    Column("card_uuid", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("accepted_suggestions", Integer, nullable=False),
    Column("reason_system", String(256)),
    Column("reason_code", String(128)),
    Column("user_comment", Text),
    Column("model", String(128), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("outcome_timestamp", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # The same interaction reported twice ("Suggestion accepted": feedback may arrive
    # several times for one card) is stored once.
    UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_cds_feedback_event"),
)


@dataclass(frozen=True)
class CardFacts:
    model: str
    model_version: str


UNKNOWN = CardFacts("unknown", "unknown")


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        metadata.create_all(engine, checkfirst=True)

    def record(self, service_id: str, items: list[tuple[Feedback, CardFacts]]) -> int:
        """Stores each item once; returns how many were new."""
        stored = 0
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            for item, facts in items:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(cds_feedback).values(**_row(service_id, item, facts, now))
                        )
                    stored += 1
                except IntegrityError:
                    continue
        return stored

    def outcome_counts(self) -> list[tuple[str, str, str, str, int]]:
        """(service, model, model_version, outcome, count)."""
        t = cds_feedback.c
        query = select(t.service_id, t.model, t.model_version, t.outcome, func.count()).group_by(
            t.service_id, t.model, t.model_version, t.outcome
        )
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def reason_counts(self) -> list[tuple[str, str, str, str, int]]:
        """(service, model_version, reason system, reason code, count) of overrides."""
        t = cds_feedback.c
        query = (
            select(t.service_id, t.model_version, t.reason_system, t.reason_code, func.count())
            .where(t.outcome == "overridden", t.reason_code.is_not(None))
            .group_by(t.service_id, t.model_version, t.reason_system, t.reason_code)
        )
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def summary(self) -> dict[str, Any]:
        """Per service and model version: counts, accepted and overridden rates, reasons."""
        groups: dict[tuple[str, str, str], dict[str, Any]] = {}
        for service, model, version, outcome, count in self.outcome_counts():
            group = groups.setdefault((service, model, version), _empty(service, model, version))
            group[outcome] = count
        for service, version, system, code, count in self.reason_counts():
            for (s, _, v), group in groups.items():
                if (s, v) == (service, version):
                    group["overrideReasons"].append(
                        {"system": system, "code": code, "count": count}
                    )
        for group in groups.values():
            total = group["accepted"] + group["overridden"]
            group["total"] = total
            group["acceptedRate"] = group["accepted"] / total if total else None
            group["overriddenRate"] = group["overridden"] / total if total else None
        return {"groups": list(groups.values())}


def _empty(service: str, model: str, version: str) -> dict[str, Any]:
    return {"service": service, "model": model, "modelVersion": version,
            "accepted": 0, "overridden": 0, "overrideReasons": []}  # fmt: skip


def _row(service_id: str, item: Feedback, facts: CardFacts, now: datetime) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "card_uuid": item.card,
        "outcome": item.outcome,
        "accepted_suggestions": len(item.accepted_suggestions),
        "reason_system": item.reason_system,
        "reason_code": item.reason_code,
        "user_comment": item.user_comment,
        "model": facts.model,
        "model_version": facts.model_version,
        "outcome_timestamp": item.outcome_timestamp,
        "received_at": now,
    }


class FeedbackCollector(Collector):
    """Read from the database at scrape time, so every replica reports the same totals."""

    def __init__(self, store: FeedbackStore) -> None:
        self._store = store

    def collect(self) -> Iterator[Metric]:
        try:
            summary = self._store.summary()
        except SQLAlchemyError:
            return
        labels = ["service", "model", "model_version"]
        outcomes = CounterMetricFamily(
            "radcds_cds_feedback", "CDS card feedback by outcome", labels=[*labels, "outcome"]
        )
        rate = GaugeMetricFamily(
            "radcds_cds_feedback_accepted_ratio", "Accepted share of card feedback", labels=labels
        )
        reasons = CounterMetricFamily(
            "radcds_cds_override_reasons", "Override reasons given", labels=[*labels, "reason"]
        )
        for group in summary["groups"]:
            key = [group["service"], group["model"], group["modelVersion"]]
            for outcome in ("accepted", "overridden"):
                outcomes.add_metric([*key, outcome], group[outcome])
            if group["acceptedRate"] is not None:
                rate.add_metric(key, group["acceptedRate"])
            for code, count in _reason_labels(group["overrideReasons"]).items():
                reasons.add_metric([*key, code], count)
        yield from (outcomes, rate, reasons)


def _reason_labels(reasons: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        code = reason["code"] if reason["code"] in KNOWN_REASONS else "other"
        counts[code] = counts.get(code, 0) + int(reason["count"])
    return counts
