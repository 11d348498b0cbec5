"""DICOMweb with PyPI dicomweb-client: STOW-RS in, QIDO-RS and WADO-RS out, each with a
bearer token from the development issuer whose key the ingestion process verifies with."""

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
def auth(dicomweb_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dicomweb_token}"}


@pytest.fixture
def client(base_url: str, auth: dict[str, str]) -> DICOMwebClient:
    return DICOMwebClient(url=base_url, headers=auth)


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


def test_stow_reports_each_bad_part(base_url: str, auth, write_ct_series) -> None:
    [good] = write_ct_series(1)
    bad = [
        Path(get_testdata_file("no_meta.dcm")).read_bytes(),
        Path(get_testdata_file("MR_truncated.dcm")).read_bytes(),
        Path(get_testdata_file("meta_missing_tsyntax.dcm")).read_bytes(),
        b"not DICOM at all",
    ]
    body, content_type = multipart([good.read_bytes(), *bad])

    response = httpx.post(
        f"{base_url}/studies", content=body, headers={"Content-Type": content_type, **auth}
    )

    # PS3.18 10.5.3: 202 when some instances were stored and some failed.
    assert response.status_code == 202
    result = response.json()
    assert len(result["00081199"]["Value"]) == 1
    reasons = [item["00081197"]["Value"][0] for item in result["00081198"]["Value"]]
    assert reasons == [0xC000] * 4


def test_stow_of_only_bad_parts_is_a_conflict(base_url: str, auth) -> None:
    body, content_type = multipart([b"garbage"])
    response = httpx.post(
        f"{base_url}/studies", content=body, headers={"Content-Type": content_type, **auth}
    )
    assert response.status_code == 409


def test_stow_that_is_not_multipart_is_refused(base_url: str, auth) -> None:
    response = httpx.post(
        f"{base_url}/studies", content=b"{}", headers={"Content-Type": "application/json", **auth}
    )
    assert response.status_code == 415


def test_unknown_study_is_not_found(base_url: str, auth) -> None:
    assert httpx.get(f"{base_url}/studies/1.2.3", headers=auth).status_code == 404
    nobody = httpx.get(f"{base_url}/studies", params={"PatientID": "nobody"}, headers=auth)
    assert nobody.status_code == 204
    bad_limit = httpx.get(f"{base_url}/studies", params={"limit": "-1"}, headers=auth)
    assert bad_limit.status_code == 400


def test_stow_to_a_study_refuses_instances_of_another(
    client: DICOMwebClient, write_ct_series
) -> None:
    ours = [dcmread(path) for path in write_ct_series(2)]
    [stranger] = [dcmread(path) for path in write_ct_series(1)]
    study_uid = ours[0].StudyInstanceUID

    response = client.store_instances([ours[0], stranger, ours[1]], study_instance_uid=study_uid)

    stored = [item.ReferencedSOPInstanceUID for item in response.ReferencedSOPSequence]
    assert stored == [ours[0].SOPInstanceUID, ours[1].SOPInstanceUID]
    [failed] = response.FailedSOPSequence
    assert failed.ReferencedSOPInstanceUID == stranger.SOPInstanceUID
    assert failed.ReferencedSOPClassUID == stranger.SOPClassUID
    # PS3.18 I.2.2 leaves this reason to the implementation (Cxxx); 0xC409 as dcm4chee-arc.
    assert failed.FailureReason == 0xC409
    assert len(client.search_for_instances(study_uid)) == 2
    assert (
        client.search_for_studies(search_filters={"StudyInstanceUID": stranger.StudyInstanceUID})
        == []
    )


def test_stow_to_a_study_of_only_strangers_is_a_conflict(
    base_url: str, auth, write_ct_series
) -> None:
    [stranger] = write_ct_series(1)
    body, content_type = multipart([stranger.read_bytes()])

    response = httpx.post(
        f"{base_url}/studies/1.2.826.0.1.3680043.8.498.1",
        content=body,
        headers={"Content-Type": content_type, **auth},
    )

    # PS3.18 10.5.3.1: 409 Conflict, e.g. for a Study Instance UID mismatch.
    assert response.status_code == 409
    [failed] = response.json()["00081198"]["Value"]
    assert failed["00081197"]["Value"] == [0xC409]
