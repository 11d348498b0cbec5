"""Train the demo intracranial haemorrhage detector on synthetic head CT and export ONNX.

    uv run --all-packages --extra training python models/training/train_ich.py \
        --data /tmp/radcds-train --patients 48 --seed 2026

Demonstration only: trained on synthetic data from radcds_synth, not for clinical use.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from dataset import TRAINING_MIX, Study, body_part, cohort, load, ventricles_and_fossa
from fit import (
    INPUT,
    compute_features,
    features_model,
    fit_mlp,
    sample,
    voxel_rows,
    youden_threshold,
)
from graph import MlpWeights, Window, coordinates, finish, float_input, float_output, mlp_head

SPACING = (10.0, 3.75, 3.75)
SHAPE = (16, 64, 64)
WINDOWS = [
    Window("soft", -20.0, 120.0, 100.0, (3.0, 6.0, 12.0), variance_sigma_mm=4.0),
    Window("bone", 150.0, 1500.0, 1000.0, (6.0, 12.0)),
]
OUTPUTS = ("haemorrhage_probability", "haemorrhage_mask_probability", "haemorrhage_location")
REPO = Path(__file__).resolve().parents[1]


def build_model(blood: MlpWeights, location: MlpWeights) -> onnx.ModelProto:
    builder, features, _ = features_model(SPACING, SHAPE, WINDOWS)
    prob_map = mlp_head(builder, features, blood, "sigmoid")
    coords = coordinates(builder, SHAPE, prob_map)
    with_coords = builder.op("Concat", [features, coords], "loc_features", axis=1)
    location_map = mlp_head(builder, with_coords, location, "sigmoid")
    pooled = builder.op(
        "AveragePool", [prob_map], "pool", kernel_shape=[1, 3, 3], pads=[0, 1, 1] * 2
    )
    study = builder.op("ReduceMax", [pooled], "study", axes=[2, 3, 4], keepdims=0)
    builder.nodes.append(onnx.helper.make_node("Identity", [study], [OUTPUTS[0]]))
    builder.nodes.append(onnx.helper.make_node("Identity", [prob_map], [OUTPUTS[1]]))
    builder.nodes.append(onnx.helper.make_node("Identity", [location_map], [OUTPUTS[2]]))
    outputs = [
        float_output(OUTPUTS[0], [1]),
        float_output(OUTPUTS[1], [1, *SHAPE]),
        float_output(OUTPUTS[2], [2, *SHAPE]),
    ]
    doc = "radcds demo ICH detector; trained on synthetic data; not for clinical use"
    return finish(builder, "ich_detector", [float_input(INPUT, SHAPE)], outputs, doc)


def training_rows(studies: list[Study], seed: int) -> dict[str, np.ndarray]:
    _, _, bank = features_model(SPACING, SHAPE, WINDOWS)
    rng = np.random.default_rng(seed)
    blood_x, blood_y, loc_x, loc_y = [], [], [], []
    for study in studies:
        features = compute_features(bank, study.hu)
        head = study.hu > -50.0
        hard = head & (study.hu > 40.0) & (study.hu < 120.0) & ~study.lesion
        negatives = (sample(head & ~study.lesion, 3000, rng)) | sample(hard, 1500, rng)
        for where, label in ((study.lesion, 1), (negatives, 0)):
            blood_x.append(voxel_rows(features, where))
            blood_y.append(np.full(int(where.sum()), label))
        if study.lesion.any():
            ventricles, fossa = ventricles_and_fossa(study)
            coords = np.stack(np.meshgrid(*[np.linspace(-1, 1, n) for n in SHAPE], indexing="ij"))
            rows = np.concatenate([features, coords.astype(np.float32)])[:, study.lesion].T
            loc_x.append(rows)
            loc_y.append(np.stack([ventricles[study.lesion], fossa[study.lesion]], axis=1))
    return {
        "blood_x": np.concatenate(blood_x),
        "blood_y": np.concatenate(blood_y),
        "loc_x": np.concatenate(loc_x),
        "loc_y": np.concatenate(loc_y).astype(np.int64),
    }


def study_scores(model: onnx.ModelProto, studies: list[Study]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    batch = np.stack([s.hu for s in studies])[:, np.newaxis]
    return np.asarray(session.run([OUTPUTS[0]], {INPUT: batch})[0][:, 0], dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=80)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=REPO / "ich_detector")
    args = parser.parse_args()
    dirs = cohort(args.data, args.seed, args.patients, TRAINING_MIX)
    studies = [load(d, SPACING, SHAPE) for d in dirs if body_part(d) == "HEAD"]
    rows = training_rows(studies, args.seed)
    blood = fit_mlp(rows["blood_x"], rows["blood_y"], (16, 8), args.seed)
    location = fit_mlp(rows["loc_x"], rows["loc_y"], (16,), args.seed)
    model = build_model(blood, location)
    labels = np.array([s.truth["haemorrhage"]["present"] for s in studies])
    threshold = youden_threshold(study_scores(model, studies), labels)
    (args.out / "1").mkdir(parents=True, exist_ok=True)
    onnx.save(model, args.out / "1" / "model.onnx")
    summary = {
        "studies": len(studies),
        "with_ich": int(labels.sum()),
        "threshold": threshold,
        "seed": args.seed,
        "voxels": int(rows["blood_y"].size),
    }
    (args.out / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
