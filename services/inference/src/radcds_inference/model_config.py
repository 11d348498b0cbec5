"""What the service needs to know about a model, read from its Triton configuration.

Tensor names, shapes and the batch limit come from config.pbtxt's inputs, outputs and
max_batch_size; how to prepare the input and read the outputs comes from its `radcds.*`
parameters. Nothing here is specific to the demo weights: a site's model declares the same
parameters in its own config.pbtxt (models/README.md lists them).
"""

from __future__ import annotations

from dataclasses import dataclass

from tritonclient.grpc import model_config_pb2  # type: ignore[import-untyped]

KINDS = ("haemorrhage", "nodule")


class ModelConfigError(ValueError):
    """The model's configuration lacks what the service needs; the message says what."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    version: str
    kind: str
    description: str
    model_card: str
    clinical_use: bool
    input_name: str
    # Spatial shape (D, H, W) of one input item, without batch or channel.
    input_shape: tuple[int, int, int]
    max_batch_size: int
    spacing_mm: tuple[float, float, float]
    fill_hu: float
    probability_output: str
    mask_output: str
    location_output: str
    threshold: float
    mask_threshold: float
    location_labels: tuple[str, ...]
    extra: dict[str, str]

    @property
    def outputs(self) -> tuple[str, str, str]:
        return (self.probability_output, self.mask_output, self.location_output)

    def number(self, key: str, default: float) -> float:
        return float(self.extra.get(key, default))

    @property
    def version_key(self) -> str:
        return f"{self.name}@{self.version}"


def spec_from_config(config: model_config_pb2.ModelConfig) -> ModelSpec:
    params = {key: value.string_value for key, value in config.parameters.items()}

    def need(key: str) -> str:
        if not params.get(key):
            raise ModelConfigError(f"model {config.name}: parameter {key!r} is missing")
        return str(params[key])

    if len(config.input) != 1:
        raise ModelConfigError(
            f"model {config.name}: expected one input, found {len(config.input)}"
        )
    dims = [int(d) for d in config.input[0].dims]
    if len(dims) != 4 or dims[0] != 1:
        raise ModelConfigError(f"model {config.name}: input dims must be [1, D, H, W], got {dims}")
    if need("radcds.kind") not in KINDS:
        raise ModelConfigError(f"model {config.name}: radcds.kind must be one of {KINDS}")
    outputs = {o.name for o in config.output}
    roles = [need(f"radcds.output.{role}") for role in ("probability", "mask", "location")]
    if missing := [name for name in roles if name not in outputs]:
        raise ModelConfigError(f"model {config.name}: outputs {missing} are not in the config")
    return ModelSpec(
        name=config.name,
        version=params.get("radcds.model_version", "1"),
        kind=params["radcds.kind"],
        description=params.get("radcds.description", ""),
        model_card=params.get("radcds.model_card", ""),
        clinical_use=params.get("radcds.clinical_use", "false").lower() == "true",
        input_name=config.input[0].name,
        input_shape=(dims[1], dims[2], dims[3]),
        max_batch_size=max(1, int(config.max_batch_size)),
        spacing_mm=_triple(need("radcds.spacing_mm"), config.name),
        fill_hu=float(params.get("radcds.fill_hu", "-1024")),
        probability_output=roles[0],
        mask_output=roles[1],
        location_output=roles[2],
        threshold=float(need("radcds.threshold")),
        mask_threshold=float(params.get("radcds.mask_threshold", "0.5")),
        location_labels=tuple(need("radcds.location_labels").split(",")),
        extra=params,
    )


def _triple(text: str, name: str) -> tuple[float, float, float]:
    values = [float(v) for v in text.split(",")]
    if len(values) != 3 or min(values) <= 0:
        raise ModelConfigError(f"model {name}: radcds.spacing_mm needs three positive numbers")
    return (values[0], values[1], values[2])


def parse_config_file(text: str) -> model_config_pb2.ModelConfig:
    """A config.pbtxt as the same message Triton's get_model_config returns."""
    from google.protobuf import text_format

    return text_format.Parse(text, model_config_pb2.ModelConfig())
