"""Tables of the instance index (SQLite embedded, PostgreSQL in production)."""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
# W3C Trace Context, version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
TRACEPARENT_LENGTH = 55

instances = Table(
    "instances",
    metadata,
    Column("sop_instance_uid", String(64), primary_key=True),
    Column("study_instance_uid", String(64), nullable=False, index=True),
    Column("series_instance_uid", String(64), nullable=False),
    Column("sop_class_uid", String(64), nullable=False),
    Column("transfer_syntax_uid", String(64), nullable=False),
    Column("modality", String(16), nullable=False),
    Column("series_number", Integer),
    Column("series_description", Text, nullable=False),
    Column("body_part_examined", Text, nullable=False),
    Column("slice_thickness_mm", Float),
    Column("instance_number", Integer),
    Column("path", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("received_at", Float, nullable=False),
)

# revision counts new instances; a study is published when revision > published_revision
# and submitted when revision == submitted_revision.
studies = Table(
    "studies",
    metadata,
    Column("study_instance_uid", String(64), primary_key=True),
    Column("patient_id", Text, nullable=False),
    Column("patient_name", Text, nullable=False),
    Column("patient_birth_date", String(16), nullable=False),
    Column("accession_number", Text, nullable=False),
    Column("study_date", String(16), nullable=False),
    Column("study_time", String(32), nullable=False),
    Column("study_description", Text, nullable=False),
    Column("first_received_at", Float, nullable=False),
    Column("last_received_at", Float, nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("published_revision", Integer, nullable=False, default=0),
    Column("submitting_digest", String(64), nullable=False, default=""),
    Column("submitted_revision", Integer, nullable=False, default=0),
    Column("submitted_digest", String(64), nullable=False, default=""),
    Column("imaging_study_ref", Text, nullable=False, default=""),
    Column("imaging_study_version", Text, nullable=False, default=""),
    Column("patient_ref", Text, nullable=False, default=""),
    # W3C traceparent of the first instance's receive span: the study's trace continues
    # from it when the study is published, after a restart too.
    Column("traceparent", String(TRACEPARENT_LENGTH), nullable=False, default=""),
)
