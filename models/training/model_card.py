"""Writes models/<name>/model_card.md from its training.json and metrics.json.

uv run --all-packages python models/training/model_card.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

INTENDED_USE = (
    "**Demonstration only, trained on synthetic data, not for clinical use.** It exists to "
    "exercise the radcds pipeline end to end (routing, Triton, findings as FHIR, masks as DICOM "
    "SEG) on studies whose ground truth is known. It has never seen a real patient's image and "
    "must not inform any clinical decision."
)

MODELS: dict[str, dict[str, Any]] = {
    "ich_detector": {
        "title": "ich_detector: intracranial haemorrhage on non-contrast head CT (demo)",
        "outputs": "study probability of haemorrhage; per-voxel haemorrhage probability (the "
        "mask, and from it the volume in mL); per-voxel probabilities of intraventricular "
        "location and of the posterior fossa (supra- or infratentorial)",
        "training": "the head CTs of radcds_synth cohort seed 2026, 80 patients (mix ich 0.40, "
        "nodule 0.35, normal 0.25): intraparenchymal, intraventricular and subdural bleeds of "
        "3-90 mL, supra- and infratentorial, and normal heads",
        "metrics": {
            "auroc": "AUROC (study)",
            "sensitivity": "sensitivity at the operating threshold",
            "specificity": "specificity at the operating threshold",
            "dice": "Dice of the mask (haemorrhage studies)",
            "volume_abs_error_ml": "volume absolute error, mL (detected bleeds)",
            "compartment_accuracy": "supra/infratentorial accuracy (detected bleeds)",
            "intraventricular_accuracy": "intraventricular extension accuracy (detected bleeds)",
        },
    },
    "lung_nodule_detector": {
        "title": "lung_nodule_detector: pulmonary nodules on chest CT (demo)",
        "outputs": "per-voxel nodule probability (connected components are the nodules: "
        "diameter of the sphere of equal volume, solid or part-solid by the share of voxels at "
        "or above -300 HU); per-voxel lobe probabilities (RUL, RML, RLL, LUL, LLL)",
        "training": "the chest CTs of radcds_synth cohort seed 2026, 80 patients (mix ich 0.40, "
        "nodule 0.35, normal 0.25): 1-3 solid or part-solid nodules of 4-25 mm per study, and "
        "normal chests",
        "metrics": {
            "auroc": "AUROC (study: any nodule)",
            "sensitivity": "study sensitivity (any nodule found)",
            "specificity": "study specificity",
            "nodule_sensitivity": "per-nodule sensitivity, all sizes",
            "nodule_sensitivity_10mm_or_more": "per-nodule sensitivity, nodules of 10 mm or more",
            "false_positives_per_study": "false positive nodules per study",
            "diameter_abs_error_mm": "diameter absolute error, mm (found nodules)",
            "lobe_accuracy": "lobe accuracy (found nodules)",
            "texture_accuracy": "solid / part-solid accuracy (found nodules)",
        },
    },
}


def _value(metric: dict[str, Any]) -> str:
    if metric["value"] is None:
        return "n/a (no cases)"
    low, high = metric["ci95"]
    return f"{metric['value']:.3g} (95% CI {low:.3g}-{high:.3g}; n = {metric['n']})"


def card(name: str) -> str:
    about = MODELS[name]
    training = json.loads((REPO / name / "training.json").read_text())
    metrics = json.loads((REPO / name / "metrics.json").read_text())
    held = metrics["heldout"]
    rows = "\n".join(
        f"| {label} | {_value(metrics[key])} |" for key, label in about["metrics"].items()
    )
    return f"""# {about["title"]}

## Intended use

{INTENDED_USE}

## Model

A small 3-D convolutional network written directly as an ONNX graph
(`models/training/graph.py`): a fixed bank of separable Gaussian filters at several scales
over clipped HU windows (smoothed means, differences of Gaussians, local variance), then
per-voxel multilayer perceptrons as 1x1x1 convolutions, fitted with scikit-learn. Input
`CT_HU` [N, 1, 16, 64, 64] in HU on the grid of `radcds.spacing_mm` in `config.pbtxt`;
outputs: {about["outputs"]}. Runs on Triton: Python backend with ONNX Runtime on the CPU
(`config.pbtxt`), or the ONNX Runtime backend on a GPU (`models/gpu/{name}/config.pbtxt`).

## Training data

Synthetic only: {about["training"]}; TINY series (64 x 64 x 16). {training["studies"]}
studies, {training["voxels"]} sampled voxels. Reproduce with
`models/training/train_{"ich" if name == "ich_detector" else "nodules"}.py` (README there).

## Metrics on a held-out synthetic set

radcds_synth cohort seed {held["seed"]}, {held["patients"]} patients (mix {held["mix"]}),
generated after training and never trained on; {metrics["studies"]} studies of this model's
kind. Proportions with Wilson 95% intervals, AUROC and means with percentile bootstrap
intervals (2000 resamples). Measured by `models/training/evaluate.py` with ONNX Runtime and
the service's own pre- and post-processing; the test suite re-measures on a fresh cohort
through Triton (`services/inference/tests/test_accuracy.py`).

| metric | value |
|---|---|
{rows}

## Limits

Synthetic anatomy is schematic and the series are coarse (head 3.75 x 3.75 x 10 mm, chest
5.6 x 5.6 x 20 mm voxels); real scanners, artefacts, motion, contrast, post-operative heads
or diseased lungs were never seen. Small nodules are mostly missed at this resolution.
"""


def main() -> None:
    for name in MODELS:
        (REPO / name / "model_card.md").write_text(card(name))
        print(f"wrote models/{name}/model_card.md")


if __name__ == "__main__":
    main()
