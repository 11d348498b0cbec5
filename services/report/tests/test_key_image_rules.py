"""Key image and STOW-RS rules without a network: windows, the series cache, destinations,
the triage priority's meaning."""

from pathlib import Path

import numpy as np
import pydantic
import pytest
from radcds_report.findings import read_finding
from radcds_report.key_images.series import DecodedSeries
from radcds_report.key_images.source import SeriesCache
from radcds_report.key_images.windows import NAMED_WINDOWS, InvalidWindow, Window, choose_window
from radcds_report.pacs.coded_findings import coded_finding
from radcds_report.pacs.destinations import PacsDestination

pytestmark = pytest.mark.unit

ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
AI = "https://radcds.dev/fhir/CodeSystem/ai-finding"


def test_an_explicit_width_wins_then_the_name_then_the_finding() -> None:
    brain = NAMED_WINDOWS["brain"]
    assert choose_window("bone", 60, 200, brain) == Window("custom", 60, 200)
    assert choose_window("lung", 0, 0, brain) == Window("lung", -600, 1500)
    assert choose_window("", 0, 0, brain) == brain
    assert choose_window("", 0, 0, None) is None  # the image's own VOI


@pytest.mark.parametrize(
    ("name", "center", "width"), [("soft-serve", 0, 0), ("", 40, -80), ("", 40, 0)]
)
def test_unknown_windows_and_non_positive_widths_are_refused(
    name: str, center: float, width: float
) -> None:
    with pytest.raises(InvalidWindow):
        choose_window(name, center, width, None)


def series(slices: int) -> DecodedSeries:
    hu = np.zeros((slices, 8, 8), dtype=np.int16)
    return DecodedSeries(
        hu, np.zeros(hu.shape, dtype=bool), tuple(str(i) for i in range(slices)),
        Window("image", 40, 80), 0, (1.0, 0.0, 0.0),
    )  # fmt: skip


def test_the_series_cache_is_bounded_by_bytes_least_recently_used_first_out() -> None:
    one = series(4)  # 4 x 8 x 8 x (2 + 1) bytes = 768
    cache = SeriesCache(max_bytes=2 * one.nbytes)
    cache.put(("s", "a", "x"), one)
    cache.put(("s", "b", "x"), series(4))
    assert cache.get(("s", "a", "x")) is one  # a is now the most recently used
    cache.put(("s", "c", "x"), series(4))
    assert cache.get(("s", "b", "x")) is None
    assert cache.get(("s", "a", "x")) is one
    assert cache.bytes == 2 * one.nbytes
    cache.put(("s", "big", "x"), series(40))  # larger than the whole cache: not kept
    assert cache.get(("s", "big", "x")) is None
    assert len(cache) == 2


def test_a_stow_rs_destination_and_its_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "token").write_text("secret-one\n")
    stow = PacsDestination(kind="stow-rs", url="https://pacs.example/dicom-web",
                           token_file=str(tmp_path / "token"))  # fmt: skip
    assert stow.key == "stow-rs:https://pacs.example/dicom-web"
    assert stow.bearer_token() == "secret-one"
    assert "secret" not in stow.label
    (tmp_path / "token").write_text("secret-two\n")  # rotated: read at each send
    assert stow.bearer_token() == "secret-two"
    monkeypatch.setenv("PACS_TOKEN", "from-env")
    assert (
        PacsDestination(kind="stow-rs", url="http://p/x", token_env="PACS_TOKEN").bearer_token()
        == "from-env"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "stow-rs"},
        {"kind": "stow-rs", "url": "https://user:pw@pacs.example/dicom-web"},
        {"kind": "stow-rs", "url": "ftp://pacs.example/"},
        {"kind": "dimse", "host": "pacs", "port": 104},
        {"kind": "stow-rs", "url": "http://p/", "token_file": "/t", "token_env": "T"},
    ],
)
def test_incomplete_or_unsafe_destinations_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        PacsDestination.model_validate(fields)


def priority_finding(code: str) -> dict[str, object]:
    priority = {"coding": [{"system": ACT_PRIORITY, "code": code}]}
    return {
        "resourceType": "Observation", "id": "o1", "valueBoolean": True,
        "code": {"coding": [{"system": AI, "code": "intracranial-hemorrhage"}]},
        "component": [
            {"code": {"coding": [{"system": AI, "code": "triage-priority",
                                  "display": "AI triage priority"}]},
             "valueCodeableConcept": priority},
            {"code": {"coding": [{"system": AI, "code": "key-image"}]}, "valueString": "2.25.9"},
        ],
    }  # fmt: skip


@pytest.mark.parametrize(("code", "meaning"), [("S", "stat"), ("UR", "urgent"), ("R", "routine")])
def test_the_triage_priority_reads_as_its_meaning(code: str, meaning: str) -> None:
    finding = read_finding(priority_finding(code))
    assert [(m.name, m.value) for m in finding.measurements] == [("AI triage priority", meaning)]
    [evaluation] = [e for e in coded_finding(priority_finding(code)).evaluations
                    if e.name.value == "triage-priority"]  # fmt: skip
    assert evaluation.value.meaning == meaning
    assert evaluation.value.value == f"ActPriority-{code}"
