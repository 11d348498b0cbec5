"""Real peers for the report service's tests: Debian's Orthanc (DIMSE and DICOMweb), the
gateway, risk and ingestion processes, and synthetic studies C-STOREd into ingestion.
Synthetic data only; the names are invented."""

import datetime as dt
import io
import itertools
import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import highdicom as hd
import numpy as np
import pydicom
from pydicom.sr.codedict import codes
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds.report.v1 import report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.ports import free_port
from radcds_kit.testing.servers import wait_for_port
from radcds_kit.testing.services import ServiceProcess
from radcds_report.state import ReportState
from radcds_synth import TINY, HaemorrhageSpec, SeriesSize, StudyIdentity, UidSource, write_head_ct

STORESCU = "/usr/bin/storescu"  # dcmtk's, not the one pynetdicom puts in the venv
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
SEEDS = itertools.count(100)


class Orthanc:
    """Debian's Orthanc with its own ports and storage; stop() and start() keep its data.
    With `dicomweb`, its DICOMweb plugin serves STOW-RS at `stow_url`."""

    def __init__(self, workdir: Path, dicomweb: bool = False) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.dicom_port, self.http_port = free_port(), free_port()
        self.config = workdir / "orthanc.json"
        config: dict[str, Any] = {
            "Name": "radcds-test", "StorageDirectory": str(workdir / "storage"),
            "IndexDirectory": str(workdir / "storage"), "HttpPort": self.http_port,
            "DicomPort": self.dicom_port, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "DicomCheckCalledAet": True, "Plugins": [],
        }  # fmt: skip
        if dicomweb:
            config["Plugins"] = [DICOMWEB_PLUGIN]
            config["DicomWeb"] = {"Enable": True, "Root": "/dicom-web/"}
        self.config.write_text(json.dumps(config))
        self.log = (workdir / "orthanc.log").open("ab")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def stow_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/dicom-web"

    def start(self) -> None:
        env = {**os.environ, "TCP_NODELAY": "1"}
        self._process = subprocess.Popen(
            ["/usr/sbin/Orthanc", str(self.config)], env=env, stdout=self.log, stderr=self.log
        )
        wait_for_port(self.http_port)

    def stop(self) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait(timeout=15)

    def rest(self, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        url = f"http://127.0.0.1:{self.http_port}{path}"
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as reply:
            raw = reply.read()
        return json.loads(raw) if path != "/file" and not path.endswith("/file") else raw

    def instances(self, sop_instance_uid: str) -> list[str]:
        query = {"Level": "Instance", "Query": {"SOPInstanceUID": sop_instance_uid}}
        return list(self.rest("/tools/find", query))

    def study_instance_count(self, study_uid: str) -> int:
        query = {"Level": "Study", "Query": {"StudyInstanceUID": study_uid}}
        return sum(
            len(self.rest(f"/studies/{s}/instances")) for s in self.rest("/tools/find", query)
        )

    def file(self, sop_instance_uid: str) -> bytes:
        [orthanc_id] = self.instances(sop_instance_uid)
        return bytes(self.rest(f"/instances/{orthanc_id}/file"))


@dataclass
class Pacs:
    """gateway, risk, ingestion and report processes, with two Orthancs as the PACS: one
    reached by C-STORE, one by STOW-RS (its DICOMweb plugin, with a bearer token)."""

    orthanc: Orthanc
    dicomweb: Orthanc
    services: dict[str, ServiceProcess]
    dimse_port: int
    state: ReportState
    workdir: Path
    token: str

    def destination_key(self, orthanc: Orthanc) -> str:
        if orthanc is self.dicomweb:
            return f"stow-rs:{orthanc.stow_url}"
        return f"ORTHANC@127.0.0.1:{orthanc.dicom_port}"


@dataclass
class Clients:
    store: FhirStoreClient
    report: "report_pb2_grpc.ReportServiceAsyncStub"


def ingestion_service(gateway: ServiceProcess, data: str, dimse_port: int) -> ServiceProcess:
    return ServiceProcess("ingestion", {
        "RADCDS_DATA_DIR": data, "RADCDS_INGESTION_DIMSE_PORT": str(dimse_port),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_GATEWAY_GRPC_ADDRESS": gateway.address,
        "RADCDS_INFERENCE_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "RADCDS_INGESTION_STABLE_AGE_S": "3600", "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
    })  # fmt: skip


@dataclass(frozen=True)
class SyntheticStudy:
    study_uid: str
    directory: Path
    truth: dict[str, Any]

    @property
    def images(self) -> list[pydicom.Dataset]:
        return [pydicom.dcmread(p) for p in sorted((self.directory / "CT").glob("*.dcm"))]

    @property
    def mask(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """The truth mask: slice (InstanceNumber - 1), row, column."""
        return np.load(self.directory / "haemorrhage_mask.npy")


def synthetic_study(
    workdir: Path, dimse_port: int, size: SeriesSize = TINY, volume_ml: float = 20.0
) -> SyntheticStudy:
    """A new head CT with a haemorrhage, C-STOREd into ingestion with dcmtk's storescu."""
    seed = next(SEEDS)
    uids = UidSource(seed=seed, patient_index=0)
    identity = StudyIdentity(
        "Synthetic", "Ada", f"SYN-{seed}", dt.date(1948, 3, 2), "female", f"ACC-{seed}",
        dt.datetime(2026, 11, 28, 7, 30), uids.uid("study"),
    )  # fmt: skip
    out = workdir / f"study-{seed}"
    truth = write_head_ct(
        out, identity, uids, size=size, haemorrhage=HaemorrhageSpec("intraparenchymal", volume_ml)
    )
    files = sorted(str(p) for p in (out / "CT").glob("*.dcm"))
    env = {**os.environ, "TCP_NODELAY": "1"}
    subprocess.run([STORESCU, "-aec", "RADCDS", "127.0.0.1", str(dimse_port), *files],
                   env=env, check=True, capture_output=True)  # fmt: skip
    return SyntheticStudy(identity.study_uid, out, truth)


def truth_seg(study: SyntheticStudy) -> hd.seg.Segmentation:
    """The truth mask as a DICOM SEG, as inference writes its masks (one binary segment)."""
    images = sorted(study.images, key=lambda ds: int(ds.InstanceNumber))
    mask = study.mask
    frames = np.stack([mask[int(ds.InstanceNumber) - 1] for ds in images]).astype(np.uint8)
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="haemorrhage (AI, not for clinical use)",
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Hemorrhage,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=hd.AlgorithmIdentificationSequence(
            name="ich_detector", version="1", family=codes.DCM.ArtificialIntelligence
        ),
    )
    return hd.seg.Segmentation(
        source_images=images, pixel_array=frames,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description], series_instance_uid=hd.UID(), series_number=9000,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="radcds",
        manufacturer_model_name="ich_detector", software_versions="1",
        device_serial_number="1", omit_empty_frames=True,
    )  # fmt: skip


def key_image_of(study: SyntheticStudy) -> pydicom.Dataset:
    """The slice with the most mask voxels, as inference picks its key image."""
    counts = study.mask.reshape(study.mask.shape[0], -1).sum(axis=1)
    number = int(np.argmax(counts)) + 1
    return next(ds for ds in study.images if int(ds.InstanceNumber) == number)


def store_in_ingestion(address: str, data: bytes) -> None:
    """One Part 10 instance through ingestion's StoreInstances, in two chunks."""
    dataset = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    half = len(data) // 2

    def chunk(offset: int, part: bytes, last: bool) -> ingestion_pb2.StoreInstancesRequest:
        return ingestion_pb2.StoreInstancesRequest(chunk=ingestion_pb2.InstanceChunk(
            sop_instance_uid=dataset.SOPInstanceUID,
            series_instance_uid=dataset.SeriesInstanceUID,
            transfer_syntax_uid=dataset.file_meta.TransferSyntaxUID,
            offset=offset, total_bytes=len(data), data=part, last_chunk=last,
        ))  # fmt: skip

    requests = [chunk(0, data[:half], False), chunk(half, data[half:], True)]
    with grpc.insecure_channel(address) as channel:
        reply = ingestion_pb2_grpc.IngestionServiceStub(channel).StoreInstances(iter(requests))
    assert [s.sop_instance_uid for s in reply.stored] == [dataset.SOPInstanceUID], reply
