"""Metrics of the demo models on a held-out synthetic cohort, with 95% confidence intervals.

    uv run --all-packages --extra training python models/training/evaluate.py \
        --data /tmp/radcds-heldout

Writes models/<name>/metrics.json. Uses numpy, the service's post-processing and a predictor:
ONNX Runtime here (the training extra), while the tests pass one that calls Triton.
Proportions get Wilson score intervals; AUROC and means get percentile bootstrap intervals
(2000 resamples, fixed seed).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from dataset import Study, body_part, cohort, load
from radcds_inference.model_config import ModelSpec, parse_config_file, spec_from_config
from radcds_inference.postprocess import HaemorrhageFinding, NoduleFinding, read_outputs

REPO = Path(__file__).resolve().parents[1]
HELDOUT_MIX = {"ich": 0.35, "nodule": 0.35, "normal": 0.3}
Predictor = Callable[[ModelSpec, np.ndarray], dict[str, np.ndarray]]
Z95 = 1.959964


def wilson(successes: int, total: int) -> dict[str, Any]:
    if total == 0:
        return {"value": None, "ci95": None, "n": 0}
    p = successes / total
    centre = (p + Z95**2 / (2 * total)) / (1 + Z95**2 / total)
    half = Z95 * np.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / (1 + Z95**2 / total)
    return {
        "value": round(p, 4),
        "ci95": [round(centre - half, 4), round(centre + half, 4)],
        "n": total,
    }


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mann-Whitney U / (n+ n-), ties counted half."""
    pos, neg = scores[labels], scores[~labels]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (pos.size * neg.size))


def bootstrap(values: list[Any], statistic: Callable[[list[Any]], float]) -> dict[str, Any]:
    if not values:
        return {"value": None, "ci95": None, "n": 0}
    rng = np.random.default_rng(7)
    draws = []
    for _ in range(2000):
        sample = [values[i] for i in rng.integers(0, len(values), len(values))]
        try:
            draws.append(statistic(sample))
        except ZeroDivisionError:
            continue
    low, high = np.percentile(draws, [2.5, 97.5])
    return {
        "value": round(statistic(values), 4),
        "ci95": [round(low, 4), round(high, 4)],
        "n": len(values),
    }


def _auroc_of(pairs: list[tuple[float, bool]]) -> float:
    scores = np.array([s for s, _ in pairs])
    labels = np.array([t for _, t in pairs])
    if labels.all() or not labels.any():
        raise ZeroDivisionError
    return auroc(scores, labels)


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def dice(a: np.ndarray, b: np.ndarray) -> float:
    total = a.sum() + b.sum()
    return float(2 * (a & b).sum() / total) if total else 1.0


def ich_metrics(cases: list[tuple[Study, HaemorrhageFinding]]) -> dict[str, Any]:
    truth = [s.truth["haemorrhage"] for s, _ in cases]
    positives = [(s, f, t) for (s, f), t in zip(cases, truth, strict=True) if t["present"]]
    hits = [(s, f, t) for s, f, t in positives if f.present]
    negatives = [f for (_, f), t in zip(cases, truth, strict=True) if not t["present"]]
    return {
        "studies": len(cases),
        "auroc": bootstrap(
            [(f.probability, t["present"]) for (_, f), t in zip(cases, truth, strict=True)],
            _auroc_of,
        ),
        "sensitivity": wilson(len(hits), len(positives)),
        "specificity": wilson(sum(not f.present for f in negatives), len(negatives)),
        "dice": bootstrap([dice(f.mask, s.lesion) for s, f, _ in positives], _mean),
        "volume_abs_error_ml": bootstrap(
            [abs(f.volume_ml - t["volume_ml"]) for _, f, t in hits], _mean
        ),
        "compartment_accuracy": wilson(
            sum(f.compartment == t["compartment"] for _, f, t in hits), len(hits)
        ),
        "intraventricular_accuracy": wilson(
            sum(f.intraventricular == t["intraventricular_extension"] for _, f, t in hits),
            len(hits),
        ),
    }


LOBE_CODES = {
    "left lower lobe": "LLL",
    "left upper lobe": "LUL",
    "right lower lobe": "RLL",
    "right middle lobe": "RML",
    "right upper lobe": "RUL",
}


def _match(study: Study, finding: NoduleFinding, nodule: dict[str, Any]) -> Any:
    best, best_distance = None, nodule["diameter_mm"] / 2 + 10.0
    for found in finding.nodules:
        index = tuple(round(c) for c in found.centroid)
        distance = float(np.linalg.norm(study.points[(slice(None), *index)] - nodule["centre_mm"]))
        if distance <= best_distance:
            best, best_distance = found, distance
    return best


def nodule_metrics(cases: list[tuple[Study, NoduleFinding]]) -> dict[str, Any]:
    pairs, matched, truths = [], [], 0
    for study, finding in cases:
        for nodule in study.truth.get("nodules") or []:
            truths += 1
            if (found := _match(study, finding, nodule)) is not None:
                pairs.append((nodule, found))
        matched.append(len({id(f) for _, f in pairs}))
    labels = [bool(s.truth.get("nodules")) for s, _ in cases]
    false_positives = [
        len(f.nodules) - sum(_match(s, f, n) is not None for n in s.truth.get("nodules") or [])
        for s, f in cases
    ]
    return {
        "studies": len(cases),
        "auroc": bootstrap(
            [(f.probability, t) for (_, f), t in zip(cases, labels, strict=True)], _auroc_of
        ),
        "sensitivity": wilson(
            sum(f.present for (_, f), t in zip(cases, labels, strict=True) if t), sum(labels)
        ),
        "specificity": wilson(
            sum(not f.present for (_, f), t in zip(cases, labels, strict=True) if not t),
            labels.count(False),
        ),
        "nodule_sensitivity": wilson(len(pairs), truths),
        "nodule_sensitivity_10mm_or_more": wilson(
            sum(n["diameter_mm"] >= 10 for n, _ in pairs),
            sum(n["diameter_mm"] >= 10 for s, _ in cases for n in s.truth.get("nodules") or []),
        ),
        "false_positives_per_study": bootstrap([max(0, n) for n in false_positives], _mean),
        "diameter_abs_error_mm": bootstrap(
            [abs(f.diameter_mm - n["diameter_mm"]) for n, f in pairs], _mean
        ),
        "lobe_accuracy": wilson(sum(f.lobe == LOBE_CODES[n["lobe"]] for n, f in pairs), len(pairs)),
        "texture_accuracy": wilson(sum(f.texture == n["texture"] for n, f in pairs), len(pairs)),
    }


def run_model(spec: ModelSpec, studies: list[Study], predict: Predictor) -> list[Any]:
    findings = []
    for start in range(0, len(studies), spec.max_batch_size):
        chunk = studies[start : start + spec.max_batch_size]
        outputs = predict(spec, np.stack([s.hu for s in chunk])[:, np.newaxis])
        for i, study in enumerate(chunk):
            findings.append(read_outputs(spec, study.hu, {k: v[i] for k, v in outputs.items()}))
    return findings


def evaluate(spec: ModelSpec, directories: list[Path], predict: Predictor) -> dict[str, Any]:
    part = "HEAD" if spec.kind == "haemorrhage" else "CHEST"
    studies = [
        load(d, spec.spacing_mm, spec.input_shape) for d in directories if body_part(d) == part
    ]
    cases = list(zip(studies, run_model(spec, studies, predict), strict=True))
    return ich_metrics(cases) if spec.kind == "haemorrhage" else nodule_metrics(cases)


def onnx_predictor(spec: ModelSpec, batch: np.ndarray) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(REPO / spec.name / "1" / "model.onnx"))
    return dict(
        zip(spec.outputs, session.run(list(spec.outputs), {spec.input_name: batch}), strict=True)
    )


def local_spec(name: str) -> ModelSpec:
    return spec_from_config(parse_config_file((REPO / name / "config.pbtxt").read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3031)
    args = parser.parse_args()
    directories = cohort(args.data, args.seed, args.patients, HELDOUT_MIX)
    for name in ("ich_detector", "lung_nodule_detector"):
        metrics = evaluate(local_spec(name), directories, onnx_predictor)
        metrics["heldout"] = {
            "generator": "radcds_synth",
            "seed": args.seed,
            "patients": args.patients,
            "mix": HELDOUT_MIX,
            "size": "TINY (64x64x16)",
        }
        (REPO / name / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        print(name, json.dumps(metrics))


if __name__ == "__main__":
    main()
