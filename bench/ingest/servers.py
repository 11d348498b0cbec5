"""The two storage SCPs under test, each a fresh process with empty storage."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radcds_kit.testing.servers import free_port, wait_for_port

NODELAY_ENV = {**os.environ, "TCP_NODELAY": "1"}


@contextmanager
def radcds_ingestion(workdir: Path) -> Iterator[tuple[int, int]]:
    """python -m radcds_ingestion; yields (DIMSE port, pid). Publication is held off."""
    dimse_port = free_port()
    env = {
        **NODELAY_ENV,
        "RADCDS_DATA_DIR": str(workdir / "var"),
        "RADCDS_INGESTION_GRPC_PORT": str(free_port()),
        "RADCDS_INGESTION_DIMSE_PORT": str(dimse_port),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
        "RADCDS_INGESTION_DISK_WATERMARK": "1.0",
        "RADCDS_INGESTION_STABLE_AGE_S": "86400",
        "RADCDS_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "-m", "radcds_ingestion"], env=env)
    try:
        wait_for_port(dimse_port, timeout_s=60)
        yield dimse_port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def orthanc(workdir: Path) -> Iterator[tuple[int, int]]:
    """Debian's Orthanc storing to its own folder; yields (DICOM port, pid)."""
    dicom_port = free_port()
    config = {
        "Name": "bench",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"),
        "HttpPort": free_port(),
        "DicomPort": dicom_port,
        "DicomAet": "ORTHANC",
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "StorageCompression": False,
        "SyncStorageArea": True,
        "Plugins": [],
    }
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "orthanc.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        ["/usr/sbin/Orthanc", str(workdir / "orthanc.json")],
        env=NODELAY_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(dicom_port, timeout_s=60)
        time.sleep(0.2)
        yield dicom_port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_bytes(pid: int) -> int:
    """VmHWM: the most resident memory the process has had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")
