"""Job outcomes besides findings: no applicable model, dead letters, the model catalogue."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest
from inference_fakes import PeerServers
from inference_support import SyntheticStudy, job_state, load_into, stub, submit, wait_job
from radcds.inference.v1 import inference_pb2

pytestmark = pytest.mark.integration


def test_a_study_no_rule_matches_ends_as_no_applicable_model(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy], tmp_path: Path
) -> None:
    routing = tmp_path / "routing.yaml"
    routing.write_text("rules:\n  - model: lung_nodule_detector\n    body_part_examined: CHEST\n")
    load_into(peers, studies["normal"])
    service = start_inference(RADCDS_INFERENCE_ROUTING=str(routing))
    job = wait_job(service, submit(service, studies["normal"]).job_id)
    assert job_state(job) == "NO_APPLICABLE_MODEL"
    assert job.reason == ""
    assert job.report_handover == inference_pb2.HANDOVER_STATE_NOT_NEEDED
    assert peers.fhir.of_type("Observation") == []


def test_a_job_whose_results_cannot_be_stored_is_dead_lettered_with_its_reason(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    load_into(peers, studies["normal"])
    peers.fhir.fail_with = grpc.StatusCode.RESOURCE_EXHAUSTED
    service = start_inference(RADCDS_INFERENCE_MAX_ATTEMPTS="2")
    job = wait_job(service, submit(service, studies["normal"]).job_id)
    assert job_state(job) == "DEAD_LETTERED"
    assert job.attempts == 2
    assert "gateway Transaction: RESOURCE_EXHAUSTED" in job.reason
    assert peers.fhir.resources == {}


def test_a_store_that_is_down_costs_no_attempt_and_the_job_succeeds_once_it_is_back(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    """A restarting peer (UNAVAILABLE) is waited for, as Triton is: the chaos test's
    kill -9 of the gateway dead-lettered jobs when each try spent an attempt."""
    load_into(peers, studies["normal"])
    peers.fhir.fail_with = grpc.StatusCode.UNAVAILABLE
    service = start_inference(RADCDS_INFERENCE_MAX_ATTEMPTS="2")
    job_id = submit(service, studies["normal"]).job_id
    deadline = time.monotonic() + 120
    while not (job := wait_job(service, job_id, states={"QUEUED"})).reason.startswith("waiting"):
        assert time.monotonic() < deadline, job.reason
    time.sleep(3)  # two attempts, spent, would have dead-lettered it by now
    job = wait_job(service, job_id, states={"QUEUED", "RUNNING"})
    assert job_state(job) in {"QUEUED", "RUNNING"}
    assert "gateway Transaction: UNAVAILABLE" in job.reason
    peers.fhir.fail_with = None
    job = wait_job(service, job_id)
    assert job_state(job) == "SUCCEEDED"
    assert job.attempts == 1


def test_list_models_answers_from_routing_and_triton(start_inference) -> None:
    service = start_inference()
    models = stub(service).ListModels(inference_pb2.ListModelsRequest(), timeout=10).models
    assert [m.name for m in models] == ["ich_detector", "lung_nodule_detector"]
    for model in models:
        assert model.ready
        assert model.version == "0.1.0-synthetic"
        assert not model.clinical_use
        assert "not for clinical use" in model.description
        assert model.model_card_url.endswith("model_card.md")


def test_submit_refuses_what_is_not_a_study(start_inference) -> None:
    service = start_inference()
    with pytest.raises(grpc.RpcError) as caught:
        stub(service).SubmitStudy(
            inference_pb2.SubmitStudyRequest(study_instance_uid="../etc", content_digest="x"),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "study_instance_uid" in caught.value.details()
