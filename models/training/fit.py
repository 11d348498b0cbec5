"""Shared fitting steps: features through ONNX Runtime, voxel sampling, MLPs, thresholds."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from graph import GraphBuilder, MlpWeights, Window, feature_bank, finish, float_input
from numpy.typing import NDArray
from onnx import helper
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

INPUT = "CT_HU"


def features_model(
    spacing: tuple[float, float, float], shape: tuple[int, int, int], windows: list[Window]
) -> tuple[GraphBuilder, str, onnx.ModelProto]:
    """The filter bank alone, as a runnable model with output `features` [N,C,D,H,W]."""
    builder = GraphBuilder(spacing)
    channels = feature_bank(builder, INPUT, windows)
    features = builder.op("Concat", channels, "features", axis=1)
    out = helper.make_tensor_value_info(features, onnx.TensorProto.FLOAT, ["N", "C", *shape])
    model = finish(builder, "features", [float_input(INPUT, shape)], [out], "filter bank")
    return builder, features, model


def compute_features(model: onnx.ModelProto, hu: NDArray[np.float32]) -> NDArray[np.float32]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (features,) = session.run(None, {INPUT: hu[np.newaxis, np.newaxis]})
    return np.asarray(features[0], dtype=np.float32)


def voxel_rows(features: NDArray[np.float32], where: NDArray[np.bool_]) -> NDArray[np.float32]:
    """[n, C] features of the voxels where `where` is true."""
    return features[:, where].T


def sample(mask: NDArray[np.bool_], count: int, rng: np.random.Generator) -> NDArray[np.bool_]:
    """A random subset of at most `count` voxels of `mask`."""
    flat = np.flatnonzero(mask)
    chosen = rng.choice(flat, size=min(count, flat.size), replace=False)
    out = np.zeros(mask.size, dtype=bool)
    out[chosen] = True
    return out.reshape(mask.shape)


def fit_mlp(
    x: NDArray[np.float32], y: NDArray[np.int64], hidden: tuple[int, ...], seed: int
) -> MlpWeights:
    """An MLP on standardised features; the standardisation is folded into layer 1."""
    scaler = StandardScaler().fit(x)
    mlp = MLPClassifier(
        hidden_layer_sizes=hidden, alpha=1e-3, max_iter=300, early_stopping=True, random_state=seed
    )
    mlp.fit(scaler.transform(x), y)
    weights = [w.astype(np.float32) for w in mlp.coefs_]
    biases = [b.astype(np.float32) for b in mlp.intercepts_]
    scale = 1.0 / scaler.scale_
    biases[0] = biases[0] - (scaler.mean_ * scale) @ weights[0]
    weights[0] = weights[0] * scale[:, np.newaxis]
    return MlpWeights(
        weights=[w.astype(np.float32) for w in weights],
        biases=[b.astype(np.float32) for b in biases],
    )


def youden_threshold(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> float:
    """The score threshold that maximises sensitivity + specificity - 1."""
    best, best_j = 0.5, -1.0
    for threshold in np.unique(scores):
        predicted = scores >= threshold
        sensitivity = (predicted & labels).sum() / max(labels.sum(), 1)
        specificity = (~predicted & ~labels).sum() / max((~labels).sum(), 1)
        if sensitivity + specificity - 1 > best_j:
            best, best_j = float(threshold), float(sensitivity + specificity - 1)
    return best
