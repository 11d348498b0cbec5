"""ICH score for spontaneous intracerebral haemorrhage.

Hemphill JC 3rd, Bonovich DC, Besmertis L, Manley GT, Johnston SC. The ICH score: a simple,
reliable grading scale for intracerebral hemorrhage. Stroke. 2001;32(4):891-897.
doi:10.1161/01.STR.32.4.891
"""

from dataclasses import dataclass

CITATION = (
    "Hemphill JC 3rd et al. The ICH score: a simple, reliable grading scale for intracerebral "
    "hemorrhage. Stroke. 2001;32(4):891-897. doi:10.1161/01.STR.32.4.891"
)

# Hemphill 2001, Results: observed 30-day mortality by ICH score in the derivation cohort
# (n=152): 0 -> 0%, 1 -> 13%, 2 -> 26%, 3 -> 72%, 4 -> 97%, 5 -> 100%. No patient scored 6;
# the paper states a score of 6 is expected to carry very high mortality.
THIRTY_DAY_MORTALITY: dict[int, float | None] = {
    0: 0.0,
    1: 0.13,
    2: 0.26,
    3: 0.72,
    4: 0.97,
    5: 1.0,
    6: None,
}

VOLUME_THRESHOLD_ML = 30.0
AGE_THRESHOLD_YEARS = 80


@dataclass(frozen=True)
class IchScore:
    points: int
    # Observed 30-day mortality for this score in the source; None where it reports no patient.
    thirty_day_mortality: float | None


def gcs_points(gcs: int) -> int:
    """Hemphill 2001, the ICH score components: GCS 3-4 -> 2, 5-12 -> 1, 13-15 -> 0."""
    if not 3 <= gcs <= 15:
        raise ValueError(f"GCS must be 3-15, got {gcs}")
    if gcs <= 4:
        return 2
    return 1 if gcs <= 12 else 0


def ich_score(
    *, gcs: int, age_years: int, volume_ml: float, intraventricular: bool, infratentorial: bool
) -> IchScore:
    if volume_ml < 0 or age_years < 0:
        raise ValueError("volume and age must not be negative")
    points = (
        gcs_points(gcs)
        + int(volume_ml >= VOLUME_THRESHOLD_ML)
        + int(intraventricular)
        + int(infratentorial)
        + int(age_years >= AGE_THRESHOLD_YEARS)
    )
    return IchScore(points=points, thirty_day_mortality=THIRTY_DAY_MORTALITY[points])
