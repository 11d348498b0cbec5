"""Fixtures: a real Orthanc (Debian's) on ephemeral ports, and a small generated cohort.

`orthanc` is self-contained (stdlib only) so it can move to a shared pytest plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from radcds_synth.cohort import generate_patient, plan_patient

ORTHANC = "/usr/sbin/Orthanc"
STORESCU = "/usr/bin/storescu"
DCIODVFY = "/usr/bin/dciodvfy"


@dataclass(frozen=True)
class OrthancServer:
    http_url: str
    dicom_port: int
    aet: str = "ORTHANC"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.http_url}{path}", timeout=10) as response:
            return json.loads(response.read())

    def c_store(self, files: list[Path], *storescu_options: str) -> None:
        """Send files with dcmtk's storescu (C-STORE); raises unless every one succeeds."""
        command = [STORESCU, *storescu_options, "-aec", self.aet, "127.0.0.1"]
        command += [str(self.dicom_port), *map(str, files)]
        env = {**os.environ, "TCP_NODELAY": "1"}
        subprocess.run(command, check=True, capture_output=True, env=env)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_until_up(server: OrthancServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited with {process.returncode}")
        try:
            server.get("/system")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError("Orthanc did not answer on /system")


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    """Debian's Orthanc with its own storage and ephemeral HTTP and DICOM ports."""
    if not Path(ORTHANC).exists() or not Path(STORESCU).exists():
        pytest.skip("Orthanc or storescu is missing (apt-get install orthanc dcmtk)")
    work = tmp_path_factory.mktemp("orthanc")
    server = OrthancServer(http_url=f"http://127.0.0.1:{_free_port()}", dicom_port=_free_port())
    config = {
        "Name": "radcds-synth-test",
        "StorageDirectory": str(work / "storage"),
        "IndexDirectory": str(work / "storage"),
        "HttpPort": int(server.http_url.rsplit(":", 1)[1]),
        "DicomPort": server.dicom_port,
        "DicomAet": server.aet,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomCheckCalledAet": False,
        "Plugins": [],
    }
    (work / "orthanc.json").write_text(json.dumps(config))
    env = {**os.environ, "TCP_NODELAY": "1"}
    log = (work / "orthanc.log").open("wb")
    process = subprocess.Popen(
        [ORTHANC, str(work / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Tiny studies covering each kind: haemorrhage, nodules, normal head and chest, and the
    three transfer syntaxes. Each truth carries its `directory`."""
    out = tmp_path_factory.mktemp("cohort")
    cases = [
        (1, "ich", "none"),
        (2, "nodule", "none"),
        (3, "normal", "rle"),
        (4, "normal", "jpeg2000"),
        (5, "ich", "rle"),
    ]
    truths = []
    for index, finding, compression in cases:
        plan = plan_patient(seed=42, index=index, finding=finding)
        truth = generate_patient(out, plan, compression=compression)  # type: ignore[arg-type]
        truths.append({**truth, "directory": out / plan.directory_name})
    return truths


@pytest.fixture
def dciodvfy() -> str:
    """Path of dicom3tools' validator."""
    if shutil.which(DCIODVFY) is None:
        pytest.skip("dciodvfy is not installed (apt-get install dicom3tools)")
    return DCIODVFY
