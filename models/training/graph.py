"""The demo models as ONNX graphs: a fixed multi-scale 3-D filter bank and learned heads.

Layer 1 turns the HU volume into feature channels with separable Gaussian convolutions at
several scales (HU windows, smoothed means, differences of Gaussians, local variance, and
the distance-like context of bone or lung). Each head is a per-voxel multilayer perceptron,
written as 1x1x1 convolutions, whose weights are fitted by scikit-learn on synthetic studies.
Normalised voxel coordinates of the model grid are features of the location heads only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
Array = NDArray[np.float32]


@dataclass(frozen=True)
class Window:
    """A clipped HU range, scaled by 1/scale, smoothed at each sigma (mm)."""

    name: str
    low: float
    high: float
    scale: float
    sigmas_mm: tuple[float, ...]
    variance_sigma_mm: float | None = None


@dataclass
class GraphBuilder:
    """Accumulates nodes and initialisers of one graph."""

    spacing: tuple[float, float, float]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    counter: int = 0

    def name(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def const(self, stem: str, value: NDArray[np.float32] | NDArray[np.int64]) -> str:
        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], stem: str, **attrs: object) -> str:
        out = self.name(stem)
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def clip(self, x: str, low: float, high: float) -> str:
        lo = self.const("lo", np.array(low, np.float32))
        hi = self.const("hi", np.array(high, np.float32))
        return self.op("Clip", [x, lo, hi], "clip")

    def scale(self, x: str, factor: float) -> str:
        return self.op("Mul", [x, self.const("k", np.array(factor, np.float32))], "scaled")

    def gaussian(self, x: str, sigma_mm: float) -> str:
        """Separable Gaussian smoothing of a 1-channel [N,1,D,H,W] tensor."""
        for axis, spacing in enumerate(self.spacing):
            kernel = gaussian_kernel(sigma_mm / spacing)
            shape = [1, 1, 1, 1, 1]
            shape[2 + axis] = kernel.size
            weight = self.const("g", kernel.reshape(shape))
            pads = [0, 0, 0, 0, 0, 0]
            pads[axis] = pads[axis + 3] = kernel.size // 2
            x = self.op("Conv", [x, weight], "smooth", pads=pads)
        return x


def gaussian_kernel(sigma_vox: float) -> Array:
    radius = max(1, int(np.ceil(2.5 * sigma_vox)))
    if sigma_vox < 0.3:
        kernel = np.zeros(2 * radius + 1, np.float32)
        kernel[radius] = 1.0
        return kernel
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / sigma_vox) ** 2)
    return (kernel / kernel.sum()).astype(np.float32)


def feature_bank(builder: GraphBuilder, hu: str, windows: list[Window]) -> list[str]:
    """1-channel feature tensors: per window the clipped HU, its smoothings and DoGs."""
    channels: list[str] = []
    for window in windows:
        clipped = builder.scale(builder.clip(hu, window.low, window.high), 1.0 / window.scale)
        smoothed = [builder.gaussian(clipped, s) for s in window.sigmas_mm]
        channels += [clipped, *smoothed]
        for fine, coarse in itertools.pairwise(smoothed):
            channels.append(builder.op("Sub", [fine, coarse], "dog"))
        if window.variance_sigma_mm is not None:
            channels.append(local_variance(builder, clipped, window.variance_sigma_mm))
    return channels


def local_variance(builder: GraphBuilder, x: str, sigma_mm: float) -> str:
    mean = builder.gaussian(x, sigma_mm)
    mean_sq = builder.gaussian(builder.op("Mul", [x, x], "sq"), sigma_mm)
    return builder.op("Sub", [mean_sq, builder.op("Mul", [mean, mean], "msq")], "var")


def coordinates(builder: GraphBuilder, shape: tuple[int, int, int], batch_like: str) -> str:
    """[N,3,D,H,W] normalised (-1..1) coordinates of the model grid, broadcast to the batch."""
    axes = [np.linspace(-1.0, 1.0, n, dtype=np.float32) for n in shape]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"))[np.newaxis]
    coords = builder.const("coords", grid.astype(np.float32))
    ones = builder.op("Mul", [batch_like, builder.const("zero", np.array(0.0, np.float32))], "z")
    ones = builder.op("Add", [ones, builder.const("one", np.array(1.0, np.float32))], "ones")
    return builder.op("Mul", [ones, coords], "coords_b")


@dataclass(frozen=True)
class MlpWeights:
    """A per-voxel MLP: standardisation folded into the first layer; ReLU hidden layers."""

    weights: list[Array]
    biases: list[Array]


def mlp_head(builder: GraphBuilder, features: str, mlp: MlpWeights, activation: str) -> str:
    """1x1x1 convolutions; the output through Sigmoid or Softmax over channels."""
    x = features
    for index, (w, b) in enumerate(zip(mlp.weights, mlp.biases, strict=True)):
        kernel = w.T.reshape(w.shape[1], w.shape[0], 1, 1, 1).astype(np.float32)
        x = builder.op("Conv", [x, builder.const("w", kernel), builder.const("b", b)], "dense")
        if index < len(mlp.weights) - 1:
            x = builder.op("Relu", [x], "relu")
    if activation == "sigmoid":
        return builder.op("Sigmoid", [x], "prob")
    return builder.op("Softmax", [x], "softmax", axis=1)


def float_input(name: str, shape: tuple[int, int, int]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 1, *shape])


def float_output(name: str, channels_shape: list[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *channels_shape])


def finish(
    builder: GraphBuilder,
    name: str,
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    doc: str,
) -> onnx.ModelProto:
    graph = helper.make_graph(builder.nodes, name, inputs, outputs, builder.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    # IR 8 (ONNX 1.12, opset 17): loadable by the ONNX Runtime in Triton 24.x images too.
    model.ir_version = 8
    model.doc_string = doc
    model.producer_name = "radcds models/training"
    onnx.checker.check_model(model)
    return model
