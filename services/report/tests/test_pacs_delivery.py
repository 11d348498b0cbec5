"""The report reaches a real PACS: Orthanc (Debian) on ephemeral ports as the destination.

gateway, risk, ingestion and report run as their own processes; a synthetic head CT is
C-STOREd into ingestion with dcmtk, an AI haemorrhage finding is stored in the FHIR store,
and Compose/Sign make the report service send its SR and Encapsulated PDF to Orthanc.
Synthetic data only; the names are invented.
"""

import asyncio
import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import highdicom as hd
import pytest
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2, report_pb2_grpc
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.ports import free_port
from radcds_kit.testing.servers import wait_for_port
from radcds_kit.testing.services import ServiceProcess
from radcds_report.pacs.pdf import from_part10
from radcds_report.pacs.status import deliveries
from radcds_report.pacs.uids import ReportVersion
from radcds_report.state import ReportState
from radcds_synth import TINY, HaemorrhageSpec, StudyIdentity, UidSource, write_head_ct

pytestmark = pytest.mark.integration

AI = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM = "http://unitsofmeasure.org"
STORESCU = "/usr/bin/storescu"  # dcmtk's, not the one pynetdicom puts in the venv
SEEDS = itertools.count(100)


class Orthanc:
    """Debian's Orthanc with its own ports and storage; stop() and start() keep its data."""

    def __init__(self, workdir: Path) -> None:
        self.dicom_port, self.http_port = free_port(), free_port()
        self.config = workdir / "orthanc.json"
        self.config.write_text(json.dumps({
            "Name": "radcds-test", "StorageDirectory": str(workdir / "storage"),
            "IndexDirectory": str(workdir / "storage"), "HttpPort": self.http_port,
            "DicomPort": self.dicom_port, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "DicomCheckCalledAet": True, "Plugins": [],
        }))  # fmt: skip
        self.log = (workdir / "orthanc.log").open("ab")
        self._process: subprocess.Popen[bytes] | None = None

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
    orthanc: Orthanc
    services: dict[str, ServiceProcess]
    dimse_port: int
    state: ReportState
    workdir: Path


def _ingestion(gateway: ServiceProcess, data: str, dimse_port: int) -> ServiceProcess:
    return ServiceProcess("ingestion", {
        "RADCDS_DATA_DIR": data, "RADCDS_INGESTION_DIMSE_PORT": str(dimse_port),
        "RADCDS_INGESTION_DICOMWEB_PORT": str(free_port()),
        "RADCDS_GATEWAY_GRPC_ADDRESS": gateway.address,
        "RADCDS_INFERENCE_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "RADCDS_INGESTION_STABLE_AGE_S": "3600", "RADCDS_INGESTION_MIN_FREE_BYTES": "0",
    })  # fmt: skip


def _report(services: dict[str, ServiceProcess], data: str, orthanc: Orthanc) -> ServiceProcess:
    destination = {"ae_title": "ORTHANC", "host": "127.0.0.1", "port": orthanc.dicom_port}
    return ServiceProcess("report", {
        "RADCDS_DATA_DIR": data,
        "RADCDS_GATEWAY_GRPC_ADDRESS": services["gateway"].address,
        "RADCDS_RISK_GRPC_ADDRESS": services["risk"].address,
        "RADCDS_INGESTION_GRPC_ADDRESS": services["ingestion"].address,
        "RADCDS_REPORT_PACS_DESTINATIONS": json.dumps([destination]),
        "RADCDS_REPORT_PACS_RETRY_BASE_S": "0.2", "RADCDS_REPORT_PACS_RETRY_CAP_S": "1",
        "RADCDS_REPORT_PACS_POLL_S": "0.1",
    })  # fmt: skip


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pacs]:
    workdir = tmp_path_factory.mktemp("pacs")
    data, dimse_port = str(workdir / "var"), free_port()
    orthanc = Orthanc(workdir)
    orthanc.start()
    services: dict[str, ServiceProcess] = {}
    try:
        services["gateway"] = ServiceProcess("gateway", {
            "RADCDS_DATA_DIR": data, "RADCDS_GATEWAY_HTTP_PORT": str(free_port())
        }).start()  # fmt: skip
        services["risk"] = ServiceProcess("risk", {"RADCDS_DATA_DIR": data}).start()
        services["ingestion"] = _ingestion(services["gateway"], data, dimse_port).start()
        services["report"] = _report(services, data, orthanc).start()
        for service in services.values():
            service.wait_serving(timeout_s=180)  # four services start at once on two cores
        state = ReportState(f"sqlite:///{workdir / 'var' / 'report' / 'report.sqlite'}")
        yield Pacs(orthanc, services, dimse_port, state, workdir)
    finally:
        for service in services.values():
            if service.running:
                service.stop()
        orthanc.stop()


def synthetic_study(pacs: Pacs) -> str:
    """A new tiny head CT with a haemorrhage, C-STOREd into ingestion; its Study UID."""
    seed = next(SEEDS)
    uids = UidSource(seed=seed, patient_index=0)
    identity = StudyIdentity(
        "Synthetic", "Ada", f"SYN-{seed}", dt.date(1948, 3, 2), "female", f"ACC-{seed}",
        dt.datetime(2026, 11, 28, 7, 30), uids.uid("study"),
    )  # fmt: skip
    out = pacs.workdir / f"study-{seed}"
    write_head_ct(
        out, identity, uids, size=TINY, haemorrhage=HaemorrhageSpec("intraparenchymal", 20.0)
    )
    files = sorted(str(p) for p in (out / "CT").glob("*.dcm"))
    env = {**os.environ, "TCP_NODELAY": "1"}
    subprocess.run([STORESCU, "-aec", "RADCDS", "127.0.0.1", str(pacs.dimse_port), *files],
                   env=env, check=True, capture_output=True)  # fmt: skip
    return identity.study_uid


def ich_observation(patient: str, study: str, device: str) -> dict[str, Any]:
    def part(code: str, display: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"code": {"coding": [{"system": AI, "code": code, "display": display}]}, **value}

    def quantity(value: float, unit: str) -> dict[str, Any]:
        return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}

    interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    return {
        "resourceType": "Observation", "status": "preliminary",
        "code": {"coding": [
            {"system": AI, "code": "intracranial-hemorrhage",
             "display": "Intracranial haemorrhage"},
            {"system": "http://snomed.info/sct", "code": "1386000",
             "display": "Intracranial hemorrhage"},
        ]},
        "subject": {"reference": patient}, "derivedFrom": [{"reference": study}],
        "device": {"reference": device},
        "interpretation": [{"coding": [{"system": interpretation, "code": "POS"}]}],
        "component": [
            part("ich-probability", "Probability", quantity(0.97, "1")),
            part("ich-volume", "Volume", quantity(19.8, "mL")),
            part("ich-intraventricular-extension", "Intraventricular extension",
                 {"valueBoolean": False}),
            part("ich-infratentorial", "Infratentorial", {"valueBoolean": False}),
        ],
    }  # fmt: skip


async def seed(store: FhirStoreClient, study_uid: str) -> dict[str, str]:
    async def create(resource: dict[str, Any]) -> str:
        stored, _ = await store.put(resource)
        return f"{stored['resourceType']}/{stored['id']}"

    patient = await create({"resourceType": "Patient", "name": [{"family": "Synthetic"}]})
    device = await create({
        "resourceType": "Device", "deviceName": [{"name": "ich_detector", "type": "model-name"}],
        "version": [{"value": "1"}],
    })  # fmt: skip
    study = await create({
        "resourceType": "ImagingStudy", "status": "available", "subject": {"reference": patient},
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{study_uid}"}],
        "description": "CT head without contrast",
    })  # fmt: skip
    practitioner = await create({"resourceType": "Practitioner", "name": [{"text": "Rita Reader"}]})
    finding = await create(ich_observation(patient, study, device))
    return {"patient": patient, "study": study, "finding": finding, "practitioner": practitioner}


@dataclass
class Clients:
    store: FhirStoreClient
    report: "report_pb2_grpc.ReportServiceAsyncStub"


@pytest.fixture
async def clients(pacs: Pacs) -> AsyncIterator[Clients]:
    async with (
        grpc.aio.insecure_channel(pacs.services["gateway"].address) as gateway,
        grpc.aio.insecure_channel(pacs.services["report"].address) as report,
    ):
        yield Clients(
            FhirStoreClient(gateway, client_id="test"), report_pb2_grpc.ReportServiceStub(report)
        )


async def compose(clients: Clients, study_uid: str, seeded: dict[str, str]) -> ReportVersion:
    reply = await clients.report.Compose(report_pb2.ComposeRequest(
        study_instance_uid=study_uid,
        imaging_study=common_pb2.FhirReference(reference=seeded["study"]),
        patient=common_pb2.FhirReference(reference=seeded["patient"]),
        findings=[common_pb2.FhirReference(reference=seeded["finding"])],
        result_set_digest="result-set-1",
    ))  # fmt: skip
    reference = reply.diagnostic_report
    return ReportVersion(reference.reference.partition("/")[2], reference.version_id)


async def sign(clients: Clients, version: ReportVersion, practitioner: str) -> ReportVersion:
    signer = common_pb2.Actor(kind=common_pb2.ACTOR_KIND_PRACTITIONER, reference=practitioner)
    reply = await clients.report.SignReport(report_pb2.SignReportRequest(
        diagnostic_report_id=version.report_id, signer=signer,
        if_match_version_id=version.version,
    ))  # fmt: skip
    report = json.loads(reply.report.diagnostic_report)
    return ReportVersion(report["id"], report["meta"]["versionId"])


async def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 90) -> None:
    """Polls a condition; the timeout only keeps a broken build from hanging."""
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def crash_and_restart(service: ServiceProcess) -> None:
    """SIGKILL, as a crash or an OOM kill would end it, then a fresh start on the same port."""
    os.kill(service.pid, signal.SIGKILL)
    service.stop()
    service.start()
    service.wait_serving(timeout_s=180)


def arrived(orthanc: Orthanc, version: ReportVersion) -> Callable[[], bool]:
    return lambda: all(orthanc.instances(version.instance_uid(k)) for k in ("sr", "pdf"))


def dciodvfy_errors(data: bytes, path: Path) -> list[str]:
    path.write_bytes(data)
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
    return [line for line in (done.stdout + done.stderr).splitlines() if "Error" in line]


async def test_the_sr_and_the_pdf_arrive_valid_and_as_the_findings_say(
    pacs: Pacs, clients: Clients, tmp_path: Path
) -> None:
    study_uid = synthetic_study(pacs)
    seeded = await seed(clients.store, study_uid)
    version = await compose(clients, study_uid, seeded)
    await wait_until(arrived(pacs.orthanc, version), "the SR and the PDF in Orthanc")
    sr_bytes = pacs.orthanc.file(version.instance_uid("sr"))
    pdf_bytes = pacs.orthanc.file(version.instance_uid("pdf"))
    assert dciodvfy_errors(sr_bytes, tmp_path / "sr.dcm") == []
    assert dciodvfy_errors(pdf_bytes, tmp_path / "pdf.dcm") == []
    sr = hd.sr.Comprehensive3DSR.from_dataset(from_part10(sr_bytes))
    [group] = sr.content.get_image_measurement_groups()
    measured = {m.name.meaning: (float(m.value), m.unit.value) for m in group.get_measurements()}
    assert measured == {"Probability": (0.97, "1"), "Volume": (19.8, "ml")}
    assert group.finding_type.value == "1386000"
    quality = {e.name.meaning: e.value.meaning for e in group.get_qualitative_evaluations()}
    assert quality["Intraventricular extension"] == "No"
    pdf = from_part10(pdf_bytes)
    assert pdf.StudyInstanceUID == sr.StudyInstanceUID == study_uid
    report = await clients.store.get("DiagnosticReport", version.report_id)
    assert pdf.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert pdf.EncapsulatedDocument.startswith(b"%PDF")
    assert report["status"] == "preliminary"
    assert sr.VerificationFlag == "UNVERIFIED"


async def test_a_stopped_pacs_gets_the_signed_report_once_it_is_back_even_after_a_crash(
    pacs: Pacs, clients: Clients
) -> None:
    study_uid = synthetic_study(pacs)
    seeded = await seed(clients.store, study_uid)
    first = await compose(clients, study_uid, seeded)
    await wait_until(arrived(pacs.orthanc, first), "the preliminary report in Orthanc")
    pacs.orthanc.stop()
    try:
        signed = await sign(clients, first, seeded["practitioner"])
        signed_uids = {signed.instance_uid("sr"), signed.instance_uid("pdf")}

        def retried() -> bool:
            rows = [
                d for d in deliveries(pacs.state, study_uid) if d.sop_instance_uid in signed_uids
            ]
            return len(rows) == 2 and all(d.state == "pending" and d.attempts >= 2 for d in rows)

        await wait_until(retried, "failed attempts recorded while Orthanc is down")
        crash_and_restart(pacs.services["report"])
    finally:
        pacs.orthanc.start()
    await wait_until(arrived(pacs.orthanc, signed), "the signed report in Orthanc")
    await wait_until(
        lambda: all(d.state == "delivered" for d in deliveries(pacs.state, study_uid)),
        "every delivery marked delivered",
    )
    rows = deliveries(pacs.state, study_uid)
    assert sorted(d.sop_instance_uid for d in rows) == sorted(
        {first.instance_uid("sr"), first.instance_uid("pdf"), *signed_uids}
    )
    for uid in {first.instance_uid("sr"), first.instance_uid("pdf"), *signed_uids}:
        assert len(pacs.orthanc.instances(uid)) == 1
    assert pacs.orthanc.study_instance_count(study_uid) == 4
    signed_sr = from_part10(pacs.orthanc.file(signed.instance_uid("sr")))
    assert (signed_sr.VerificationFlag, signed_sr.PreliminaryFlag) == ("VERIFIED", "FINAL")
