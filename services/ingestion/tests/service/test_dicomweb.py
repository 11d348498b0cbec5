"""DICOMweb with PyPI dicomweb-client: STOW-RS in, QIDO-RS and WADO-RS out."""

import uuid
from pathlib import Path

import httpx
import pytest
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmread
from pydicom.data import get_testdata_file

pytestmark = pytest.mark.integration


@pytest.fixture
def base_url(ingestion) -> str:
    return f"http://127.0.0.1:{ingestion.dicomweb_port}/dicomweb"


@pytest.fixture
def client(base_url: str) -> DICOMwebClient:
    return DICOMwebClient(url=base_url)


def multipart(parts: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part + b"\r\n"
        for part in parts
    )
    content_type = f'multipart/related; type="application/dicom"; boundary={boundary}'
    return body + f"--{boundary}--\r\n".encode(), content_type


def test_stow_qido_wado_round_trip(client: DICOMwebClient, write_ct_series) -> None:
    paths = write_ct_series(4, mrn="MRN-WEB", accession="ACC-WEB")
    datasets = [dcmread(path) for path in paths]
    study_uid = datasets[0].StudyInstanceUID

    response = client.store_instances(datasets)

    assert len(response.ReferencedSOPSequence) == 4
    for search in (
        {"PatientID": "MRN-WEB"},
        {"AccessionNumber": "ACC-WEB"},
        {"StudyDate": "20251231-20260102"},
        {"ModalitiesInStudy": "CT", "StudyInstanceUID": study_uid},
    ):
        [found] = [
            s
            for s in client.search_for_studies(search_filters=search)
            if s["0020000D"]["Value"] == [study_uid]
        ]
        assert found["00201208"]["Value"] == [4]
    assert client.search_for_studies(search_filters={"StudyDate": "19990101-19991231"}) == []
    [series] = client.search_for_series(study_uid)
    assert series["00201209"]["Value"] == [4]
    assert len(client.search_for_instances(study_uid)) == 4

    retrieved = {ds.SOPInstanceUID: ds for ds in client.retrieve_study(study_uid)}
    for source in datasets:
        assert retrieved[source.SOPInstanceUID].PixelData == source.PixelData
    one = client.retrieve_instance(
        study_uid, datasets[0].SeriesInstanceUID, datasets[0].SOPInstanceUID
    )
    assert one.SOPInstanceUID == datasets[0].SOPInstanceUID
    metadata = client.retrieve_study_metadata(study_uid)
    assert len(metadata) == 4
    assert "7FE00010" not in metadata[0]


def test_stow_reports_each_bad_part(base_url: str, write_ct_series) -> None:
    [good] = write_ct_series(1)
    bad = [
        Path(get_testdata_file("no_meta.dcm")).read_bytes(),
        Path(get_testdata_file("MR_truncated.dcm")).read_bytes(),
        Path(get_testdata_file("meta_missing_tsyntax.dcm")).read_bytes(),
        b"not DICOM at all",
    ]
    body, content_type = multipart([good.read_bytes(), *bad])

    response = httpx.post(
        f"{base_url}/studies", content=body, headers={"Content-Type": content_type}
    )

    # PS3.18 10.5.3: 202 when some instances were stored and some failed.
    assert response.status_code == 202
    result = response.json()
    assert len(result["00081199"]["Value"]) == 1
    reasons = [item["00081197"]["Value"][0] for item in result["00081198"]["Value"]]
    assert reasons == [0xC000] * 4


def test_stow_of_only_bad_parts_is_a_conflict(base_url: str) -> None:
    body, content_type = multipart([b"garbage"])
    response = httpx.post(
        f"{base_url}/studies", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 409


def test_stow_that_is_not_multipart_is_refused(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/studies", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 415


def test_unknown_study_is_not_found(client: DICOMwebClient, base_url: str) -> None:
    assert httpx.get(f"{base_url}/studies/1.2.3").status_code == 404
    assert httpx.get(f"{base_url}/studies", params={"PatientID": "nobody"}).status_code == 204
    assert httpx.get(f"{base_url}/studies", params={"limit": "-1"}).status_code == 400
