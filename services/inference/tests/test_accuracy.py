"""Accuracy on a fresh held-out synthetic cohort, through the real tritonserver, agrees with
the model cards: each card's point estimate lies inside this run's 95% interval."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tritonclient.grpc as triton_grpc
from inference_support import REPO
from radcds_kit.testing.triton import TritonServer

sys.path.insert(0, str(REPO / "models" / "training"))
import evaluate
from dataset import cohort

pytestmark = pytest.mark.integration

# A seed no model was trained or carded on; small, so the suite stays short.
FRESH_SEED, FRESH_PATIENTS = 4242, 12
CHECKED = {
    "ich_detector": ("sensitivity", "specificity"),
    "lung_nodule_detector": ("nodule_sensitivity",),
}


@pytest.fixture(scope="module")
def fresh_cohort(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("fresh")
    return cohort(out, FRESH_SEED, FRESH_PATIENTS, evaluate.HELDOUT_MIX)


def triton_predictor(server: TritonServer) -> evaluate.Predictor:
    client = triton_grpc.InferenceServerClient(server.grpc_address)

    def predict(spec: Any, batch: np.ndarray) -> dict[str, np.ndarray]:
        item = triton_grpc.InferInput(spec.input_name, list(batch.shape), "FP32")
        item.set_data_from_numpy(batch.astype(np.float32))
        outputs = [triton_grpc.InferRequestedOutput(name) for name in spec.outputs]
        result = client.infer(spec.name, [item], outputs=outputs)
        return {name: result.as_numpy(name) for name in spec.outputs}

    return predict


@pytest.mark.parametrize("model", sorted(CHECKED))
def test_fresh_accuracy_agrees_with_the_model_card(
    model: str, fresh_cohort: list[Path], triton: TritonServer
) -> None:
    card = json.loads((REPO / "models" / model / "metrics.json").read_text())
    spec = evaluate.spec_from_config(
        triton_grpc.InferenceServerClient(triton.grpc_address).get_model_config(model).config
    )
    fresh = evaluate.evaluate(spec, fresh_cohort, triton_predictor(triton))
    for metric in CHECKED[model]:
        if fresh[metric]["n"] == 0:
            continue
        low, high = fresh[metric]["ci95"]
        assert low <= card[metric]["value"] <= high, (metric, fresh[metric], card[metric])
