"""OpenTelemetry from the standard OTEL_* variables.

Spans are exported only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces
variant) is set; otherwise a tracer provider still runs, so trace context
propagates across services and into the logs. The instrumentations record
methods, routes and status codes, never request bodies, so no PHI travels.
"""

import os
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

if TYPE_CHECKING:
    from fastapi import FastAPI


def _otlp_exporter() -> SpanExporter | None:
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if not endpoint or os.environ.get("OTEL_TRACES_EXPORTER", "otlp") == "none":
        return None
    protocol = os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[assignment]
            OTLPSpanExporter,
        )
    return OTLPSpanExporter()


def configure_telemetry(service: str) -> TracerProvider | None:
    """Installs the tracer provider and the gRPC, httpx and redis instrumentations.

    Returns the provider so that the caller can flush it on shutdown, or None
    when OTEL_SDK_DISABLED is set.
    """
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):  # already configured in this process
        return current
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    provider = TracerProvider(resource=resource)
    exporter = _otlp_exporter()
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _instrument_libraries()
    return provider


def _instrument_libraries() -> None:
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
    )
    from opentelemetry.instrumentation.grpc.filters import health_check, negate
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    # Health checks come every few seconds from probes and peers: no trace is worth that.
    not_health = negate(health_check())
    GrpcAioInstrumentorServer(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    GrpcAioInstrumentorClient(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    HTTPXClientInstrumentor().instrument()
    RedisInstrumentor().instrument()


def instrument_fastapi(app: "FastAPI") -> None:
    """Server spans for a FastAPI app; health and metrics routes excluded."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def current_traceparent() -> str:
    """The W3C traceparent of the current span, or "" when there is none."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent", "")


def context_of(traceparent: str) -> otel_context.Context:
    """A context whose parent is the span a stored traceparent names; empty when it
    names none, so that a span started in it begins a new trace."""
    return extract({"traceparent": traceparent}) if traceparent else otel_context.Context()
