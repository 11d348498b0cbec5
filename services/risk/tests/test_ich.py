"""ICH score against Hemphill JC 3rd et al., Stroke. 2001;32(4):891-897."""

import pytest
from radcds_risk.calculators.ich import gcs_points, ich_score

# Hemphill 2001, abstract (p. 891) and Results: 30-day mortality for ICH scores 1, 2, 3, 4, 5 was
# 13%, 26%, 72%, 97% and 100%; no patient with a score of 0 died; no patient scored 6.
PUBLISHED_30_DAY_MORTALITY = [(0, 0.0), (1, 0.13), (2, 0.26), (3, 0.72), (4, 0.97), (5, 1.0)]


def _profile_with_points(points: int) -> dict[str, object]:
    """GCS 3 (2 points), then volume, IVH, infratentorial, age, one point each."""
    extra = max(points - 2, 0)
    return {
        "gcs": 3 if points >= 2 else (8 if points == 1 else 15),
        "volume_ml": 30.0 if extra >= 1 else 10.0,
        "intraventricular": extra >= 2,
        "infratentorial": extra >= 3,
        "age_years": 80 if extra >= 4 else 60,
    }


@pytest.mark.parametrize(("points", "mortality"), PUBLISHED_30_DAY_MORTALITY)
def test_mortality_matches_hemphill_2001(points: int, mortality: float) -> None:
    result = ich_score(**_profile_with_points(points))  # type: ignore[arg-type]
    assert result.points == points
    assert result.thirty_day_mortality == mortality


def test_score_six_has_no_observed_mortality() -> None:
    result = ich_score(
        gcs=3, age_years=85, volume_ml=60, intraventricular=True, infratentorial=True
    )
    assert result.points == 6
    assert result.thirty_day_mortality is None


@pytest.mark.parametrize(("gcs", "points"), [(3, 2), (4, 2), (5, 1), (12, 1), (13, 0), (15, 0)])
def test_gcs_bands_of_hemphill_2001(gcs: int, points: int) -> None:
    # Hemphill 2001, the ICH score components: GCS 3-4 = 2, 5-12 = 1, 13-15 = 0.
    assert gcs_points(gcs) == points


def test_volume_and_age_thresholds_are_inclusive() -> None:
    # Hemphill 2001: ICH volume >= 30 cm3 and age >= 80 years score one point each.
    base = {"gcs": 15, "intraventricular": False, "infratentorial": False}
    assert ich_score(volume_ml=29.9, age_years=79, **base).points == 0  # type: ignore[arg-type]
    assert ich_score(volume_ml=30.0, age_years=80, **base).points == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("gcs", [2, 16])
def test_gcs_outside_the_scale_is_rejected(gcs: int) -> None:
    with pytest.raises(ValueError, match="GCS"):
        gcs_points(gcs)
