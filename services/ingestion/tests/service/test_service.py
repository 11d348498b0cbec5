"""The ingestion process end to end: storescu in, ImagingStudy (in the real gateway) and
SubmitStudy out, gRPC reads."""

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from fhir.resources.R4B.imagingstudy import ImagingStudy
from pydicom import dcmread
from pydicom.data import get_testdata_file
from radcds.common.v1 import common_pb2
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc

pytestmark = pytest.mark.integration

DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}


def storescu(port: int, paths: list[Path]) -> int:
    command = ["/usr/bin/storescu", "-aet", "STORESCU", "-aec", "RADCDS", "127.0.0.1", str(port)]
    return subprocess.run(
        [*command, *map(str, paths)], env=DCMTK_ENV, capture_output=True
    ).returncode


@pytest.fixture
def stub(ingestion) -> Iterator[ingestion_pb2_grpc.IngestionServiceStub]:
    with grpc.insecure_channel(ingestion.process.address) as channel:
        yield ingestion_pb2_grpc.IngestionServiceStub(channel)


def test_stable_study_is_published_then_updated(ingestion, stub, peers, write_ct_series) -> None:
    paths = write_ct_series(10, mrn="MRN-PUB")
    study_uid = dcmread(paths[0]).StudyInstanceUID
    assert storescu(ingestion.dimse_port, paths) == 0

    [submission] = peers.wait_for_submissions(study_uid, 1)

    study = stub.GetStudy(ingestion_pb2.GetStudyRequest(study_instance_uid=study_uid)).study
    assert study.state == ingestion_pb2.STUDY_STATE_SUBMITTED
    assert study.number_of_instances == 10
    assert submission.content_digest == study.content_digest
    imaging_study = peers.imaging_study_of(study_uid)
    assert submission.imaging_study.reference == f"ImagingStudy/{imaging_study['id']}"
    assert imaging_study["identifier"][0] == {
        "system": "urn:dicom:uid",
        "value": f"urn:oid:{study_uid}",
    }
    assert imaging_study["numberOfInstances"] == 10
    assert imaging_study["series"][0]["modality"]["code"] == "CT"
    assert imaging_study["series"][0]["instance"][0]["sopClass"]["code"] == (
        "urn:oid:1.2.840.10008.5.1.4.1.1.2"
    )
    order = peers.service_request
    assert imaging_study["basedOn"] == [{"reference": f"ServiceRequest/{order['id']}"}]
    # The gateway stored the Patient under the MRN system radcds-synth writes, the default.
    [patient] = peers.fhir.patients_with_mrn("MRN-PUB")
    assert imaging_study["subject"] == {"reference": f"Patient/{patient['id']}"}
    assert imaging_study["contained"][0]["connectionType"]["code"] == "dicom-wado-rs"
    # A FHIR dateTime with a time needs a zone, which the DICOM time lacks: the date alone.
    assert imaging_study["started"] == "2026-01-01"
    ImagingStudy.model_validate(imaging_study)

    [late] = write_ct_series(1, study_uid=study_uid)
    assert storescu(ingestion.dimse_port, [late]) == 0
    first, second = peers.wait_for_submissions(study_uid, 2)

    assert second.content_digest != first.content_digest
    updated = peers.imaging_study_of(study_uid)
    assert updated["id"] == imaging_study["id"]
    assert updated["numberOfInstances"] == 11
    assert updated["meta"]["versionId"] == "2"
    assert updated["numberOfSeries"] == len(updated["series"]) == 2
    ImagingStudy.model_validate(updated)
    assert len(peers.fhir.patients_with_mrn("MRN-PUB")) == 1


def test_stream_instances_returns_the_stored_bytes(ingestion, stub, write_ct_series) -> None:
    paths = write_ct_series(3, rows=256)
    study_uid = dcmread(paths[0]).StudyInstanceUID
    assert storescu(ingestion.dimse_port, paths) == 0

    received: dict[str, bytearray] = {}
    request = ingestion_pb2.StreamInstancesRequest(
        study_instance_uid=study_uid, max_chunk_bytes=32768
    )
    for response in stub.StreamInstances(request):
        chunk = response.chunk
        data = received.setdefault(chunk.sop_instance_uid, bytearray())
        assert chunk.offset == len(data)
        data.extend(chunk.data)

    assert len(received) == 3
    for path in paths:
        source = dcmread(path)
        stored = dcmread(io.BytesIO(bytes(received[source.SOPInstanceUID])))
        assert stored.PixelData == source.PixelData


def test_store_instances_accepts_good_and_reports_bad(stub, write_ct_series) -> None:
    [good] = write_ct_series(1)
    bad = Path(get_testdata_file("no_meta.dcm"))
    good_uid = dcmread(good).SOPInstanceUID

    def requests():
        for uid, path in ((good_uid, good), ("bad", bad)):
            data = path.read_bytes()
            half = len(data) // 2
            yield ingestion_pb2.StoreInstancesRequest(
                chunk=ingestion_pb2.InstanceChunk(sop_instance_uid=uid, data=data[:half])
            )
            yield ingestion_pb2.StoreInstancesRequest(
                chunk=ingestion_pb2.InstanceChunk(
                    sop_instance_uid=uid, data=data[half:], offset=half, last_chunk=True
                )
            )

    response = stub.StoreInstances(requests())

    assert [f.status for f in response.failed] == [0xC000]
    assert response.failed[0].sop_instance_uid == "bad"
    assert [s.sop_instance_uid for s in response.stored] == [good_uid]


def test_unknown_study_is_not_found(stub) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetStudy(ingestion_pb2.GetStudyRequest(study_instance_uid="1.2.3"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_list_studies_pages_and_filters_by_state(stub) -> None:
    everything = stub.ListStudies(ingestion_pb2.ListStudiesRequest()).studies
    assert len(everything) >= 2

    first_page = stub.ListStudies(
        ingestion_pb2.ListStudiesRequest(page=common_pb2.PageRequest(page_size=1))
    )
    second_page = stub.ListStudies(
        ingestion_pb2.ListStudiesRequest(
            page=common_pb2.PageRequest(page_size=1, page_token=first_page.page.next_page_token)
        )
    )
    submitted = stub.ListStudies(
        ingestion_pb2.ListStudiesRequest(state=ingestion_pb2.STUDY_STATE_SUBMITTED)
    ).studies

    assert [s.study_instance_uid for s in (*first_page.studies, *second_page.studies)] == [
        s.study_instance_uid for s in everything[:2]
    ]
    assert submitted
    assert {s.state for s in submitted} == {ingestion_pb2.STUDY_STATE_SUBMITTED}
