"""Routing, model configuration and FHIR shapes, in process (no servers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from radcds_inference.fhir import FINDING_SYSTEM, TRACE_CONTEXT_SYSTEM, ModelResult, transaction
from radcds_inference.model_config import ModelConfigError, parse_config_file, spec_from_config
from radcds_inference.postprocess import Nodule, NoduleFinding, haemorrhage
from radcds_inference.routing import RoutingError, SeriesFacts, load_routing
from radcds_inference.settings import DEFAULT_ROUTING

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[3]


def facts(**overrides: object) -> SeriesFacts:
    values = dict(
        series_instance_uid="1.2",
        modality="CT",
        body_part_examined="HEAD",
        series_description="Axial 5mm Brain",
        slice_thickness_mm=5.0,
        slices=32,
    )
    values.update(overrides)
    return SeriesFacts(**values)  # type: ignore[arg-type]


def test_default_routing_sends_head_and_chest_ct_to_their_models() -> None:
    table = load_routing(DEFAULT_ROUTING)
    assert [r.model for r in table.routes([facts()])] == ["ich_detector"]
    chest = facts(series_instance_uid="1.3", body_part_examined="CHEST", series_description="Lung")
    assert [r.model for r in table.routes([facts(), chest])] == [
        "ich_detector",
        "lung_nodule_detector",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"modality": "MR"},
        {"body_part_examined": "KNEE"},
        {"series_description": "Scout"},
        {"slice_thickness_mm": 12.0},
        {"slices": 4},
    ],
)
def test_a_series_outside_any_rule_has_no_model(change: dict[str, object]) -> None:
    assert load_routing(DEFAULT_ROUTING).routes([facts(**change)]) == []


def test_a_malformed_routing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("rules:\n  - model: x\n    series_description: '('\n")
    with pytest.raises(RoutingError, match="series_description"):
        load_routing(path)


@pytest.mark.parametrize("name", ["ich_detector", "lung_nodule_detector"])
def test_repository_configs_give_complete_specs(name: str) -> None:
    spec = spec_from_config(
        parse_config_file((REPO / "models" / name / "config.pbtxt").read_text())
    )
    assert spec.name == name
    assert not spec.clinical_use
    assert spec.input_shape == (16, 64, 64)
    assert spec.max_batch_size == 8
    gpu = parse_config_file((REPO / "models" / "gpu" / name / "config.pbtxt").read_text())
    assert gpu.platform == "onnxruntime_onnx"
    assert spec_from_config(gpu).outputs == spec.outputs


def test_a_config_without_the_radcds_parameters_is_refused() -> None:
    text = 'name: "x"\ninput [ { name: "in", data_type: TYPE_FP32, dims: [1, 4, 4, 4] } ]'
    with pytest.raises(ModelConfigError, match="radcds"):
        spec_from_config(parse_config_file(text))


def test_findings_use_the_risk_service_codes() -> None:
    spec = spec_from_config(
        parse_config_file((REPO / "models/ich_detector/config.pbtxt").read_text())
    )
    mask = np.zeros((16, 64, 64), np.float32)
    mask[8, 30:34, 30:34] = 0.9
    location = np.zeros((2, 16, 64, 64), np.float32)
    finding = haemorrhage(0.97, mask, location, 0.1, 0.5, 0.5, ("supratentorial", "infratentorial"))
    result = ModelResult(spec, "1.2", finding, "1.2.3", "1.2.4")
    bundle, refs = transaction("job", "ImagingStudy/s", "Patient/p", [result])
    obs = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    assert obs["code"]["coding"][0] == {
        "system": FINDING_SYSTEM,
        "code": "intracranial-hemorrhage",
        "display": "Intracranial haemorrhage (AI)",
    }
    codes = {c["code"]["coding"][0]["code"]: c for c in obs["component"]}
    assert codes["ich-volume"]["valueQuantity"] == pytest.approx(
        {"value": 1.6, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"}
    )
    assert codes["ich-infratentorial"]["valueBoolean"] is False
    assert refs == [f"Observation/{obs['id']}"]
    again, _ = transaction("job", "ImagingStudy/s", "Patient/p", [result])
    assert [e["request"]["url"] for e in again["entry"]] == [
        e["request"]["url"] for e in bundle["entry"]
    ]


def test_nodule_observations_carry_diameter_lobe_type_and_count() -> None:
    spec = spec_from_config(
        parse_config_file((REPO / "models/lung_nodule_detector/config.pbtxt").read_text())
    )
    nodules = tuple(Nodule(d, 0.5, "RUL", "part-solid", 3, (3.0, 4.0, 5.0)) for d in (12.0, 6.0))
    finding = NoduleFinding(0.9, True, np.zeros((2, 2, 2), bool), nodules)
    bundle, refs = transaction(
        "job", "ImagingStudy/s", "", [ModelResult(spec, "1", finding, None, None)]
    )
    observations = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert len(observations) == len(refs) == 2
    first = {c["code"]["coding"][0]["code"]: c for c in observations[0]["component"]}
    assert first["nodule-diameter"]["valueQuantity"]["value"] == 12.0
    assert first["nodule-lobe"]["valueCodeableConcept"]["coding"][0]["code"] == "RUL"
    assert first["nodule-type"]["valueCodeableConcept"]["coding"][0]["code"] == "part-solid"
    assert first["nodule-count"]["valueInteger"] == 2
    assert "subject" not in observations[0]


def test_findings_carry_the_trace_context_of_their_write_as_a_tag() -> None:
    spec = spec_from_config(
        parse_config_file((REPO / "models/lung_nodule_detector/config.pbtxt").read_text())
    )
    nodules = (Nodule(8.0, 0.5, "RUL", "solid", 3, (3.0, 4.0, 5.0)),)
    result = ModelResult(
        spec, "1", NoduleFinding(0.9, True, np.zeros((2, 2, 2), bool), nodules), None, None
    )
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    bundle, _ = transaction("job", "ImagingStudy/s", "", [result], traceparent)
    tags = {
        e["resource"]["resourceType"]: e["resource"].get("meta", {}).get("tag")
        for e in bundle["entry"]
    }
    assert tags == {
        "Device": None,
        "Observation": [{"system": TRACE_CONTEXT_SYSTEM, "code": traceparent}],
        "Provenance": None,
    }
    untraced, _ = transaction("job", "ImagingStudy/s", "", [result])
    assert all("meta" not in e["resource"] for e in untraced["entry"])
