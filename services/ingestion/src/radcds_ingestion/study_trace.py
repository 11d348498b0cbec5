"""One trace per study: it begins with the span of the study's first received instance.

That span's W3C traceparent is stored with the study in the index (the first instance's
row creates the study), so later instances and the publication, however long after and
after a restart too, continue the same trace. Attributes carry UIDs and statuses only,
never the patient's name, identifiers or birth date.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from radcds_kit.telemetry import context_of

from radcds_ingestion.index import InstanceIndex
from radcds_ingestion.instance_header import InstanceHeader

tracer = trace.get_tracer("radcds_ingestion")


@contextmanager
def receive_span(index: InstanceIndex, header: InstanceHeader) -> Iterator[Span]:
    """The span of storing one received instance.

    Inside a request that has its own span (the gRPC StoreInstances of a SEG) it is that
    span's child; otherwise (a C-STORE, a STOW-RS part) it continues the study's trace, or
    starts it when this is the study's first instance.
    """
    in_request = trace.get_current_span().get_span_context().is_valid
    parent = None if in_request else context_of(index.traceparent(header.study_instance_uid))
    attributes = {
        "dicom.study_instance_uid": header.study_instance_uid,
        "dicom.sop_instance_uid": header.sop_instance_uid,
        "dicom.sop_class_uid": header.sop_class_uid,
    }
    kind = SpanKind.INTERNAL if in_request else SpanKind.SERVER
    with (
        tracer.start_as_current_span(
            "ingestion.receive_instance",
            context=parent,
            kind=kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span,
        _failure_by_type(span),
    ):
        yield span


@asynccontextmanager
async def publication_span(index: InstanceIndex, study_instance_uid: str) -> AsyncIterator[Span]:
    """The span of publishing a stable study, in the study's trace: a child of the first
    instance's receive span (ended long before), so the ImagingStudy write and SubmitStudy
    below it carry the study's trace id to the gateway and to inference."""
    parent = context_of(await asyncio.to_thread(index.traceparent, study_instance_uid))
    with (
        tracer.start_as_current_span(
            "ingestion.publish_study",
            context=parent,
            attributes={"dicom.study_instance_uid": study_instance_uid},
            record_exception=False,
            set_status_on_exception=False,
        ) as span,
        _failure_by_type(span),
    ):
        yield span


@contextmanager
def _failure_by_type(span: Span) -> Iterator[None]:
    """Marks the span failed, naming only the exception's type: a message from a peer (an
    OperationOutcome's diagnostics, say) may quote what it refused."""
    try:
        yield
    except Exception as error:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        raise
