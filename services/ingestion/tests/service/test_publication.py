"""Publication is safe to repeat: a crash between SubmitStudy and recording it
resubmits the same digest, which inference answers as a duplicate; the real gateway keeps
one ImagingStudy, updated in place."""

import grpc
import pytest
from radcds.inference.v1 import inference_pb2_grpc
from radcds_ingestion.publication import PublicationConfig, StableStudyDetector, StudyPublisher
from radcds_ingestion.receiver import InstanceReceiver
from radcds_ingestion.settings import IngestionSettings
from radcds_kit.fhir_store import FhirStoreClient

pytestmark = pytest.mark.integration


async def test_repeated_publication_is_idempotent(
    receiver: InstanceReceiver, peers, write_ct_series
) -> None:
    for path in write_ct_series(3, mrn="MRN-IDEM"):
        incoming = receiver.spool.incoming / path.name
        incoming.write_bytes(path.read_bytes())
        assert receiver.accept(incoming).stored
    mrn_system = IngestionSettings.model_fields["mrn_system"].default
    config = PublicationConfig(0.0, 0.1, "http://127.0.0.1/dicomweb", mrn_system)
    async with (
        grpc.aio.insecure_channel(peers.fhir.address) as gateway,
        grpc.aio.insecure_channel(peers.inference_address) as inference,
    ):
        publisher = StudyPublisher(
            receiver.index,
            FhirStoreClient(gateway, client_id="radcds-ingestion"),
            inference_pb2_grpc.InferenceServiceStub(inference),
            config,
        )
        detector = StableStudyDetector(receiver.index, publisher)
        [study_uid] = receiver.index.due_for_publication(float("inf"))

        await detector.publish_due(float("inf"))
        # As if the process died after SubmitStudy returned, before the index recorded it.
        receiver.index.record(study_uid, submitted_revision=0, submitted_digest="")
        await detector.publish_due(float("inf"))
        await detector.publish_due(float("inf"))

    first, second = peers.submissions_of(study_uid)
    assert first.content_digest == second.content_digest
    assert len({peers.inference.jobs[s.content_digest] for s in (first, second)}) == 1
    assert peers.imaging_study_of(study_uid)["meta"]["versionId"] == "2"
    assert len(peers.fhir.patients_with_mrn("MRN-IDEM")) == 1
    assert receiver.index.due_for_publication(float("inf")) == []
