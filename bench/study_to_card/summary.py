"""What bench/study_to_card prints and reports: per study, the median, the stages."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

from harness.result import Aim, Figure
from stages import StudyTimes

STAGES = (
    ("stable age, ImagingStudy, submit", "last_store", "job_created"),
    ("inference: pull, Triton, findings, SEG", "job_created", "job_ended"),
    ("findings to card (risk, EHR poll)", "job_ended", "card"),
)
REPORT = "(beside the card) last image to DiagnosticReport"


@dataclass
class Awaited:
    """What the EHR saw while it waited for the card."""

    at: float = 0.0
    summary: str = ""
    polls: int = 0
    refused: int = 0


@dataclass
class Measured:
    seconds: float
    times: StudyTimes | None
    stamps: dict[str, float]
    card: Awaited


def stage_medians(measured: list[Measured]) -> dict[str, float]:
    """Median seconds of each stage, and of the report beside them, over complete studies."""
    complete = [m.stamps for m in measured if "report_stored" in m.stamps]
    if not complete:
        return {}
    medians = {
        name: statistics.median(s[end] - s[start] for s in complete) for name, start, end in STAGES
    }
    medians[REPORT] = statistics.median(s["report_stored"] - s["last_store"] for s in complete)
    return medians


def print_results(measured: list[Measured], stable_age_s: float, poll_s: float) -> None:
    print(
        f"\n{'study':>5} {'last image to card s':>21} {'minus stable age s':>19} "
        f"{'patient-view calls':>21}  card"
    )
    for number, m in enumerate(measured, start=1):
        print(
            f"{number:>5} {m.seconds:>21.2f} {m.seconds - stable_age_s:>19.2f} "
            f"{m.card.polls:>8} ({m.card.refused} refused)  {m.card.summary}"
        )
    medians = stage_medians(measured)
    if medians:
        print(f"\nwhere the time went (median of {len(measured)}, services' timestamps):")
        for name, seconds in medians.items():
            print(f"  {name:<40} {seconds:6.2f} s")
        print(
            f"  (the first stage holds the {stable_age_s:g} s stable age and ingestion's "
            f"stability poll; the last, the EHR's {poll_s:g} s poll)"
        )


def figures(measured: list[Measured], args: argparse.Namespace) -> list[Figure]:
    stable_age_s = args.stable_age
    total = statistics.median(m.seconds for m in measured)
    net = total - stable_age_s
    study = f"{args.matrix}x{args.matrix}x{args.slices} head CT"
    result = [
        Figure(
            f"{study}: last image to card, minus {stable_age_s:g} s stable age, "
            f"median of {len(measured)}",
            net,
            "s",
            aim=Aim("value", "<", 5.0),
        )
    ]
    medians = stage_medians(measured)
    inference = medians.get(STAGES[1][0])
    if inference:
        # The reference: the inference job alone, measured on the same studies; the ratio says
        # how much the chain (stability poll, ImagingStudy, risk, card) adds to the model's job.
        result.append(
            Figure.against(
                "the same, against the inference job of the same studies",
                net,
                "s",
                inference,
                "inference job alone",
            )
        )
    result.append(Figure("last image to card, as measured, median", total, "s"))
    if REPORT in medians:
        result.append(
            Figure(
                "last image to preliminary DiagnosticReport stored, median", medians[REPORT], "s"
            )
        )
    return result
