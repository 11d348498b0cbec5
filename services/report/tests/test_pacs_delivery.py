"""The report reaches a real PACS: Orthanc (Debian) on ephemeral ports as the destination.

gateway, risk, ingestion and report run as their own processes; a synthetic head CT is
C-STOREd into ingestion with dcmtk, an AI haemorrhage finding is stored in the FHIR store,
and Compose/Sign make the report service send its SR and Encapsulated PDF to Orthanc.
Synthetic data only; the names are invented.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highdicom as hd
import pytest
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2
from radcds_kit.fhir_store import FhirStoreClient
from radcds_kit.testing.services import ServiceProcess
from radcds_report.pacs.pdf import from_part10
from radcds_report.pacs.status import deliveries
from radcds_report.pacs.uids import ReportVersion

sys.path.insert(0, str(Path(__file__).parent))

from report_peers import Clients, Orthanc, Pacs
from report_peers import synthetic_study as write_study

pytestmark = pytest.mark.integration

AI = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM = "http://unitsofmeasure.org"


def synthetic_study(pacs: Pacs) -> str:
    """A new tiny head CT with a haemorrhage, C-STOREd into ingestion; its Study UID."""
    return write_study(pacs.workdir, pacs.dimse_port).study_uid


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


def to_orthanc(pacs: Pacs, study_uid: str, orthanc: Orthanc | None = None) -> list[Any]:
    """The study's outbox entries for one Orthanc (the C-STORE one unless named)."""
    key = pacs.destination_key(orthanc or pacs.orthanc)
    return [d for d in deliveries(pacs.state, study_uid) if d.destination == key]


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
            rows = [d for d in to_orthanc(pacs, study_uid) if d.sop_instance_uid in signed_uids]
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
    rows = to_orthanc(pacs, study_uid)
    assert sorted(d.sop_instance_uid for d in rows) == sorted(
        {first.instance_uid("sr"), first.instance_uid("pdf"), *signed_uids}
    )
    for uid in {first.instance_uid("sr"), first.instance_uid("pdf"), *signed_uids}:
        assert len(pacs.orthanc.instances(uid)) == 1
    assert pacs.orthanc.study_instance_count(study_uid) == 4
    signed_sr = from_part10(pacs.orthanc.file(signed.instance_uid("sr")))
    assert (signed_sr.VerificationFlag, signed_sr.PreliminaryFlag) == ("VERIFIED", "FINAL")


async def test_stow_rs_delivers_to_orthanc_dicomweb_and_get_report_shows_it(
    pacs: Pacs, clients: Clients, tmp_path: Path
) -> None:
    study_uid = synthetic_study(pacs)
    seeded = await seed(clients.store, study_uid)
    version = await compose(clients, study_uid, seeded)
    await wait_until(arrived(pacs.dicomweb, version), "the SR and the PDF in Orthanc by STOW-RS")
    sr_bytes = pacs.dicomweb.file(version.instance_uid("sr"))
    assert dciodvfy_errors(sr_bytes, tmp_path / "sr.dcm") == []
    assert from_part10(sr_bytes).StudyInstanceUID == study_uid
    stow_key = pacs.destination_key(pacs.dicomweb)
    await wait_until(
        lambda: all(d.state == "delivered" for d in deliveries(pacs.state, study_uid)),
        "every delivery marked delivered",
    )
    reply = await clients.report.GetReport(
        report_pb2.GetReportRequest(study_instance_uid=study_uid, omit_documents=True)
    )
    shown = {(d.destination, d.sop_instance_uid): d for d in reply.report.deliveries}
    assert set(shown) == {
        (key, version.instance_uid(kind))
        for key in (stow_key, pacs.destination_key(pacs.orthanc))
        for kind in ("sr", "pdf")
    }
    sr = shown[(stow_key, version.instance_uid("sr"))]
    assert sr.state == report_pb2.DELIVERY_STATE_DELIVERED
    assert sr.sop_class_uid == "1.2.840.10008.5.1.4.1.1.88.34"
    assert sr.last_error == ""
    assert sr.delivered_time.seconds > 0
    assert not sr.HasField("next_attempt_time")
    assert pacs.token not in str(reply.report.deliveries)


async def test_a_stopped_dicomweb_server_is_retried_and_gets_each_instance_once(
    pacs: Pacs, clients: Clients
) -> None:
    study_uid = synthetic_study(pacs)
    seeded = await seed(clients.store, study_uid)
    pacs.dicomweb.stop()
    try:
        version = await compose(clients, study_uid, seeded)

        def retried() -> bool:
            rows = to_orthanc(pacs, study_uid, pacs.dicomweb)
            return len(rows) == 2 and all(d.state == "pending" and d.attempts >= 2 for d in rows)

        await wait_until(retried, "failed STOW-RS attempts recorded while Orthanc is down")
        reply = await clients.report.GetReport(
            report_pb2.GetReportRequest(study_instance_uid=study_uid, omit_documents=True)
        )
        failing = [d for d in reply.report.deliveries if d.destination.startswith("stow-rs:")]
        assert len(failing) == 2
        assert all(d.state == report_pb2.DELIVERY_STATE_PENDING for d in failing)
        assert all("STOW-RS request failed" in d.last_error for d in failing)
        assert all(d.HasField("next_attempt_time") for d in failing)
    finally:
        pacs.dicomweb.start()
    await wait_until(arrived(pacs.dicomweb, version), "the report in Orthanc once it is back")
    await wait_until(
        lambda: all(d.state == "delivered" for d in to_orthanc(pacs, study_uid, pacs.dicomweb)),
        "the STOW-RS deliveries marked delivered",
    )
    for kind in ("sr", "pdf"):
        assert len(pacs.dicomweb.instances(version.instance_uid(kind))) == 1
    assert pacs.dicomweb.study_instance_count(study_uid) == 2
