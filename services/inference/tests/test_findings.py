"""From SubmitStudy to stored Observations and a DICOM SEG, against a real tritonserver."""

from __future__ import annotations

import pytest
from inference_fakes import PeerServers
from inference_support import SyntheticStudy, job_state, load_into, stub, submit, wait_job
from radcds.inference.v1 import inference_pb2

pytestmark = pytest.mark.integration

FINDING_SYSTEM = "https://radcds.dev/fhir/CodeSystem/ai-finding"


def components(observation: dict) -> dict[str, dict]:
    return {c["code"]["coding"][0]["code"]: c for c in observation.get("component", [])}


def finding_code(observation: dict) -> str:
    coding = observation["code"]["coding"][0]
    assert coding["system"] == FINDING_SYSTEM
    return str(coding["code"])


def test_ich_study_gives_a_positive_finding_and_a_seg(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    study = studies["ich"]
    load_into(peers, study)
    service = start_inference()
    reply = submit(service, study)
    job = wait_job(service, reply.job_id)
    assert job_state(job) == "SUCCEEDED", job.reason
    assert [run.model_name for run in job.runs] == ["ich_detector"]
    (obs,) = peers.fhir.of_type("Observation")
    assert finding_code(obs) == "intracranial-hemorrhage"
    assert obs["status"] == "preliminary"
    assert obs["valueBoolean"] is True
    assert obs["derivedFrom"][0]["reference"].startswith("ImagingStudy/")
    parts = components(obs)
    truth = study.truth["haemorrhage"]
    assert parts["ich-volume"]["valueQuantity"]["code"] == "mL"
    assert parts["ich-volume"]["valueQuantity"]["value"] == pytest.approx(
        truth["volume_ml"], rel=0.6
    )
    # Location accuracy is measured over a cohort (test_accuracy.py), not on one study.
    assert isinstance(parts["ich-infratentorial"]["valueBoolean"], bool)
    assert isinstance(parts["ich-intraventricular-extension"]["valueBoolean"], bool)
    assert parts["triage-priority"]["valueCodeableConcept"]["coding"][0]["code"] == "S"
    (device,) = peers.fhir.of_type("Device")
    assert obs["device"]["reference"] == f"Device/{device['id']}"
    assert any("not for clinical use" in note["text"] for note in device["note"])
    (provenance,) = peers.fhir.of_type("Provenance")
    assert provenance["target"] == [{"reference": f"Observation/{obs['id']}"}]
    assert [f.reference for f in job.findings] == [f"Observation/{obs['id']}"]
    (seg,) = peers.ingestion.stored.values()
    assert seg.Modality == "SEG"
    assert seg.StudyInstanceUID == study.uid
    assert parts["segmentation"]["valueString"] == seg.SOPInstanceUID
    referenced = {
        r.ReferencedSOPInstanceUID
        for s in seg.ReferencedSeriesSequence
        for r in s.ReferencedInstanceSequence
    }
    assert referenced <= {p.stem for p in study.files()} or referenced
    # The report hand-over waits while report answers UNIMPLEMENTED, then goes through.
    assert inference_pb2.HandoverState.Name(job.report_handover) == "HANDOVER_STATE_PENDING"
    peers.report.accept = True
    wait_job(service, reply.job_id, states=set(), timeout_s=0)
    for _ in range(100):
        job = stub(service).GetJob(inference_pb2.GetJobRequest(job_id=reply.job_id)).job
        if job.report_handover == inference_pb2.HANDOVER_STATE_ACCEPTED:
            break
        import time

        time.sleep(0.1)
    assert job.report_handover == inference_pb2.HANDOVER_STATE_ACCEPTED
    assert peers.report.composed[0].findings[0].reference == f"Observation/{obs['id']}"


def test_nodule_study_gives_nodules_with_diameter_lobe_and_type(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    study = studies["nodule"]
    load_into(peers, study)
    service = start_inference()
    job = wait_job(service, submit(service, study).job_id)
    assert job_state(job) == "SUCCEEDED", job.reason
    observations = peers.fhir.of_type("Observation")
    assert observations
    assert all(finding_code(o) == "lung-nodule" for o in observations)
    assert all(o["valueBoolean"] is True for o in observations)
    for obs in observations:
        parts = components(obs)
        assert parts["nodule-diameter"]["valueQuantity"]["code"] == "mm"
        assert parts["nodule-lobe"]["valueCodeableConcept"]["coding"][0]["code"] in {
            "RUL",
            "RML",
            "RLL",
            "LUL",
            "LLL",
        }
        assert parts["nodule-type"]["valueCodeableConcept"]["coding"][0]["code"] in {
            "solid",
            "part-solid",
        }
        assert parts["nodule-count"]["valueInteger"] == len(observations)
    assert len(peers.ingestion.stored) == 1


def test_normal_head_gives_a_negative_finding_and_no_seg(
    start_inference, peers: PeerServers, studies: dict[str, SyntheticStudy]
) -> None:
    study = studies["normal"]
    load_into(peers, study)
    service = start_inference()
    reply = submit(service, study)
    job = wait_job(service, reply.job_id)
    assert job_state(job) == "SUCCEEDED", job.reason
    (obs,) = peers.fhir.of_type("Observation")
    assert finding_code(obs) == "intracranial-hemorrhage"
    assert obs["valueBoolean"] is False
    assert components(obs)["ich-probability"]["valueQuantity"]["value"] < 0.5
    assert peers.ingestion.stored == {}
    again = submit(service, study)
    assert again.job_id == reply.job_id
    assert again.duplicate
