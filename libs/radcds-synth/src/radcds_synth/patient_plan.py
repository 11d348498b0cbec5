"""The record side of a patient plan: demographics, profile, and the facts to plant.

Prevalences are chosen so each calculator input is present in a useful share of patients,
not to mirror any population.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from radcds_synth.record import RecordPlan, Smoking, StudyKind

_PROFILES = ("healthy", "hypertension", "type2_diabetes", "ckd_stage3")
_PROFILE_WEIGHTS = {
    "ich": (0.25, 0.45, 0.15, 0.15),
    "nodule": (0.35, 0.3, 0.2, 0.15),
    "normal": (0.45, 0.25, 0.18, 0.12),
}
_AGE_RANGES = {"ich": (55, 88), "nodule": (50, 80), "normal": (25, 80)}
_SMOKING_WEIGHTS = {
    "nodule": (0.45, 0.4, 0.15),
    "ich": (0.2, 0.3, 0.5),
    "normal": (0.15, 0.25, 0.6),
}
_SMOKING: tuple[Smoking, ...] = ("current", "former", "never")
_ANTICOAGULANTS = ("warfarin", "apixaban", "rivaroxaban")
# Reproductive age, for the pregnancy test before CT.
_CHILDBEARING_AGES = (18, 49)


def plan_record(rng: np.random.Generator, finding: str, kind: StudyKind) -> RecordPlan:
    sex: Literal["M", "F"] = "F" if rng.random() < 0.5 else "M"
    age_range = _AGE_RANGES[finding]
    if sex == "F" and finding == "normal" and rng.random() < 0.4:
        age_range = _CHILDBEARING_AGES
    profile = _PROFILES[int(rng.choice(len(_PROFILES), p=_PROFILE_WEIGHTS[finding]))]
    atrial_fibrillation = age_range[1] > 60 and rng.random() < (0.35 if finding == "ich" else 0.2)
    anticoagulant = None
    if atrial_fibrillation and rng.random() < 0.85:
        anticoagulant = _ANTICOAGULANTS[int(rng.choice(3, p=[0.35, 0.4, 0.25]))]
    elif rng.random() < 0.04:
        anticoagulant = "heparin"
    smoking = _SMOKING[int(rng.choice(3, p=_SMOKING_WEIGHTS[finding]))]
    return RecordPlan(
        profile=profile,
        sex=sex,
        age_range=age_range,
        study_kind=kind,
        atrial_fibrillation=atrial_fibrillation,
        anticoagulant=anticoagulant,
        smoking=smoking,
        gcs=_gcs(rng, finding) if kind == "head" else None,
        inr=_inr(rng, anticoagulant) if kind == "head" or anticoagulant else None,
        hcg_positive=bool(rng.random() < 0.1) if age_range == _CHILDBEARING_AGES else None,
    )


def _gcs(rng: np.random.Generator, finding: str) -> int:
    if finding != "ich":
        return 15
    return int(
        rng.choice([15, 14, 13, 11, 9, 7, 5, 3], p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03])
    )


def _inr(rng: np.random.Generator, anticoagulant: str | None) -> float:
    low, high = (1.8, 4.5) if anticoagulant == "warfarin" else (0.9, 1.2)
    return round(float(rng.uniform(low, high)), 1)
