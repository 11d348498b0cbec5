"""Train the demo lung nodule detector on synthetic chest CT and export ONNX.

    uv run --all-packages --extra training python models/training/train_nodules.py \
        --data /tmp/radcds-train

Demonstration only: trained on synthetic data from radcds_synth, not for clinical use.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from dataset import TRAINING_MIX, Study, body_part, cohort, load, lobe_labels
from fit import INPUT, compute_features, features_model, fit_mlp, sample, voxel_rows
from graph import MlpWeights, Window, coordinates, finish, float_input, float_output, mlp_head

SPACING = (20.0, 5.625, 5.625)
SHAPE = (16, 64, 64)
WINDOWS = [
    Window("lung", -1000.0, 200.0, 1000.0, (3.0, 6.0, 12.0, 24.0), variance_sigma_mm=5.0),
    Window("aerated", -1000.0, -400.0, 600.0, (15.0, 30.0)),
]
OUTPUTS = ("nodule_probability", "nodule_mask_probability", "lobe_probability")
# Order of the lobe channels: sorted lobe names of radcds_synth, as FINDING_SYSTEM codes.
LOBE_CODES = ("LLL", "LUL", "RLL", "RML", "RUL")
REPO = Path(__file__).resolve().parents[1]
POSITIVE_FRACTION = 0.25


def build_model(nodule: MlpWeights, lobe: MlpWeights) -> onnx.ModelProto:
    builder, features, _ = features_model(SPACING, SHAPE, WINDOWS)
    prob_map = mlp_head(builder, features, nodule, "sigmoid")
    coords = coordinates(builder, SHAPE, prob_map)
    lobe_map = mlp_head(builder, coords, lobe, "softmax")
    study = builder.op("ReduceMax", [prob_map], "study", axes=[2, 3, 4], keepdims=0)
    for source, target in zip((study, prob_map, lobe_map), OUTPUTS, strict=True):
        builder.nodes.append(onnx.helper.make_node("Identity", [source], [target]))
    outputs = [
        float_output(OUTPUTS[0], [1]),
        float_output(OUTPUTS[1], [1, *SHAPE]),
        float_output(OUTPUTS[2], [len(LOBE_CODES), *SHAPE]),
    ]
    doc = "radcds demo lung nodule detector; trained on synthetic data; not for clinical use"
    return finish(builder, "lung_nodule_detector", [float_input(INPUT, SHAPE)], outputs, doc)


def training_rows(studies: list[Study], seed: int) -> dict[str, np.ndarray]:
    _, _, bank = features_model(SPACING, SHAPE, WINDOWS)
    rng = np.random.default_rng(seed)
    coords = np.stack(np.meshgrid(*[np.linspace(-1, 1, n) for n in SHAPE], indexing="ij"))
    nod_x, nod_y, lobe_x, lobe_y = [], [], [], []
    for study in studies:
        features = compute_features(bank, study.hu)
        # Partial-volume positives: at 5.6 x 5.6 x 20 mm few voxels are half nodule.
        positive = study.lesion_fraction >= POSITIVE_FRACTION
        body = study.hu > -950.0
        clear = study.lesion_fraction == 0
        dense = body & (study.hu > -700.0) & clear
        negatives = sample(body & clear, 3000, rng) | sample(dense, 4000, rng)
        for where, label in ((positive, 1), (negatives, 0)):
            nod_x.append(voxel_rows(features, where))
            nod_y.append(np.full(int(where.sum()), label))
        lobes = lobe_labels(study)
        lung = sample(lobes >= 0, 4000, rng)
        lobe_x.append(coords[:, lung].T.astype(np.float32))
        lobe_y.append(lobes[lung].astype(np.int64))
    x, y = np.concatenate(nod_x), np.concatenate(nod_y)
    # A nodule is a handful of voxels at this resolution: repeat the positives so that they
    # are about a fifth of the rows, or the MLP learns to say "no nodule" everywhere.
    repeats = max(1, int((y == 0).sum() / max((y == 1).sum(), 1) / 4))
    x = np.concatenate([x, *[x[y == 1]] * (repeats - 1)])
    y = np.concatenate([y, *[y[y == 1]] * (repeats - 1)])
    return {
        "nod_x": x,
        "nod_y": y,
        "lobe_x": np.concatenate(lobe_x),
        "lobe_y": np.concatenate(lobe_y),
    }


def solid_fraction_threshold(studies: list[Study], solid_hu: float) -> float:
    """Midpoint between the mean dense-voxel fractions of solid and part-solid nodules."""
    by_texture: dict[str, list[float]] = {"solid": [], "part-solid": []}
    for study in studies:
        for nodule in study.truth.get("nodules") or []:
            centre = np.array(nodule["centre_mm"])[:, None, None, None]
            near = np.linalg.norm(study.points - centre, axis=0) <= nodule["diameter_mm"] / 2
            voxels = study.lesion & near
            if voxels.any():
                by_texture[nodule["texture"]].append(float((study.hu[voxels] >= solid_hu).mean()))
    return float((np.mean(by_texture["solid"]) + np.mean(by_texture["part-solid"])) / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=80)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=REPO / "lung_nodule_detector")
    args = parser.parse_args()
    dirs = cohort(args.data, args.seed, args.patients, TRAINING_MIX)
    studies = [load(d, SPACING, SHAPE) for d in dirs if body_part(d) == "CHEST"]
    rows = training_rows(studies, args.seed)
    nodule = fit_mlp(rows["nod_x"], rows["nod_y"], (32, 16), args.seed)
    lobe = fit_mlp(rows["lobe_x"], rows["lobe_y"], (16,), args.seed)
    (args.out / "1").mkdir(parents=True, exist_ok=True)
    onnx.save(build_model(nodule, lobe), args.out / "1" / "model.onnx")
    summary = {
        "studies": len(studies),
        "with_nodules": sum(bool(s.truth.get("nodules")) for s in studies),
        "solid_fraction": round(solid_fraction_threshold(studies, -300.0), 3),
        "seed": args.seed,
        "voxels": int(rows["nod_y"].size),
    }
    (args.out / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
