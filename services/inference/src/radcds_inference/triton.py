"""Triton through tritonclient's asyncio gRPC client: readiness, model configs, inference."""

from __future__ import annotations

import numpy as np
import tritonclient.grpc.aio as triton_aio  # type: ignore[import-untyped]
from numpy.typing import NDArray
from opentelemetry import trace
from opentelemetry.propagate import inject
from tritonclient.grpc import InferInput, InferRequestedOutput
from tritonclient.utils import InferenceServerException  # type: ignore[import-untyped]

from radcds_inference.model_config import ModelSpec, spec_from_config

tracer = trace.get_tracer("radcds_inference")


class TritonUnavailable(RuntimeError):
    """Triton did not answer, or the model is not ready: try again later."""


class TritonModels:
    """The models on one Triton server. Specs are cached per model and refreshed when a
    model's version changes."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self._url = url
        self._client_obj: triton_aio.InferenceServerClient | None = None
        self._timeout = timeout_s
        self._specs: dict[str, ModelSpec] = {}

    @property
    def _client(self) -> triton_aio.InferenceServerClient:
        """Made on first use, inside the running event loop."""
        if self._client_obj is None:
            self._client_obj = triton_aio.InferenceServerClient(self._url)
        return self._client_obj

    async def close(self) -> None:
        if self._client_obj is not None:
            await self._client_obj.close()

    async def server_ready(self) -> bool:
        try:
            return bool(await self._client.is_server_ready(client_timeout=2.0))
        except InferenceServerException:
            return False

    async def model_ready(self, name: str) -> bool:
        try:
            return bool(await self._client.is_model_ready(name, client_timeout=2.0))
        except InferenceServerException:
            return False

    async def spec(self, name: str) -> ModelSpec:
        """The model's spec from its configuration on the server."""
        try:
            reply = await self._client.get_model_config(name, client_timeout=5.0)
        except InferenceServerException as error:
            if name in self._specs:
                raise TritonUnavailable(f"triton: {error.message()}") from error
            raise TritonUnavailable(f"triton: model {name}: {error.message()}") from error
        spec = spec_from_config(reply.config)
        self._specs[name] = spec
        return spec

    def cached_spec(self, name: str) -> ModelSpec | None:
        return self._specs.get(name)

    async def infer(
        self, spec: ModelSpec, batch: NDArray[np.float32]
    ) -> dict[str, NDArray[np.float32]]:
        """Runs a [N, 1, D, H, W] batch; returns each output by name, batch axis first."""
        item = InferInput(spec.input_name, list(batch.shape), "FP32")
        item.set_data_from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
        outputs = [InferRequestedOutput(name) for name in spec.outputs]
        attributes = {"triton.model.name": spec.name, "triton.model.version": spec.version}
        with tracer.start_as_current_span("triton.infer", attributes=attributes):
            # The W3C trace context in the request's headers (gRPC metadata) reaches Triton's
            # own OpenTelemetry tracing; the instrumented gRPC channel's client span, one
            # level deeper, puts its own context in their place.
            headers: dict[str, str] = {}
            inject(headers)
            try:
                result = await self._client.infer(
                    spec.name,
                    [item],
                    outputs=outputs,
                    headers=headers,
                    client_timeout=self._timeout,
                )
            except InferenceServerException as error:
                raise TritonUnavailable(f"triton infer {spec.name}: {error.message()}") from error
        return {name: np.asarray(result.as_numpy(name)) for name in spec.outputs}
