"""Each HTTP request begins its own trace, even on a keep-alive connection after a request
whose large body paused reading (uvicorn then resumes reading inside that request's task)."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from radcds_kit.http import HttpServer
from radcds_kit.ports import free_port

pytestmark = pytest.mark.integration


def traced_app(provider: TracerProvider) -> FastAPI:
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/read")
    async def read() -> dict[str, str]:
        return {}

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    return app


async def test_requests_on_one_connection_are_separate_traces() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    port = free_port()
    server = HttpServer(traced_app(provider), "127.0.0.1", port)
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if await server.health():
            break
        await asyncio.sleep(0.05)

    def one_connection() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            client.post("/upload", content=b"x" * 3_000_000).raise_for_status()
            client.get("/read").raise_for_status()
            client.get("/read").raise_for_status()

    await asyncio.to_thread(one_connection)
    server.stop()
    await serving

    requests = [s for s in exporter.get_finished_spans() if s.name in ("POST /upload", "GET /read")]
    assert len(requests) == 3
    # Three traces. (Not "no parent": where an earlier test in the process instrumented
    # FastAPI globally, that instrumentation's own server span is each request's parent.)
    assert len({s.context.trace_id for s in requests}) == 3
    request_spans = {s.context.span_id for s in requests}
    assert not any(s.parent and s.parent.span_id in request_spans for s in requests)
