"""Orthanc (Debian) as the PACS, forwarding a study to radcds by C-STORE."""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydicom import dcmread
from radcds_kit.testing.servers import free_port, wait_for_port

pytestmark = pytest.mark.integration

ORTHANC = "/usr/sbin/Orthanc"


@pytest.fixture
def orthanc(tmp_path: Path, ingestion) -> Iterator[str]:
    """Orthanc on ephemeral ports with radcds registered as a modality; yields its REST URL."""
    http_port, dicom_port = free_port(), free_port()
    config = {
        "Name": "radcds-test-pacs",
        "StorageDirectory": str(tmp_path / "orthanc" / "storage"),
        "IndexDirectory": str(tmp_path / "orthanc" / "index"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": "ORTHANC",
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomModalities": {"radcds": ["RADCDS", "127.0.0.1", ingestion.dimse_port]},
        "Plugins": [],
    }
    config_path = tmp_path / "orthanc.json"
    config_path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [ORTHANC, str(config_path)],
        env={**os.environ, "TCP_NODELAY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(http_port)
        yield f"http://127.0.0.1:{http_port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_orthanc_forwards_a_study(orthanc: str, peers, write_ct_series) -> None:
    paths = write_ct_series(12, rows=64)
    study_uid = dcmread(paths[0]).StudyInstanceUID
    with httpx.Client(base_url=orthanc, timeout=30) as pacs:
        for path in paths:
            pacs.post("/instances", content=path.read_bytes()).raise_for_status()
        [orthanc_study] = pacs.get("/studies").json()
        forwarded = pacs.post(
            "/modalities/radcds/store", json={"Resources": [orthanc_study], "Synchronous": True}
        )
        forwarded.raise_for_status()

    [submission] = peers.wait_for_submissions(study_uid, 1)
    assert submission.content_digest
    assert peers.imaging_study_of(study_uid)["numberOfInstances"] == 12
    assert forwarded.json()["InstancesCount"] == 12
