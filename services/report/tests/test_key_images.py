"""Key images end to end: a synthetic ICH head CT in a real ingestion service, a DICOM SEG
built from the synthetic truth mask stored beside it, and the report service rendering the
key slice with the mask into the report, as FHIR Media, and slice by slice for the viewer.
Synthetic data only; the names are invented.
"""

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from fhir.resources.R4B.media import Media
from PIL import Image
from pydicom.filewriter import dcmwrite
from radcds.common.v1 import common_pb2
from radcds.report.v1 import report_pb2
from radcds_synth import SMALL

sys.path.insert(0, str(Path(__file__).parent))

from report_peers import (
    Clients,
    Pacs,
    SyntheticStudy,
    key_image_of,
    store_in_ingestion,
    synthetic_study,
    truth_seg,
)

pytestmark = pytest.mark.integration

AI = "https://radcds.dev/fhir/CodeSystem/ai-finding"
UCUM = "http://unitsofmeasure.org"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"


@dataclass(frozen=True)
class IchStudy:
    study: SyntheticStudy
    key_uid: str
    key_number: int  # InstanceNumber of the key image: truth slice key_number - 1
    seg_uid: str


@pytest.fixture(scope="module")
def ich(pacs: Pacs) -> IchStudy:
    """One study for the module: C-STOREd into ingestion, its truth SEG stored beside it."""
    study = synthetic_study(pacs.workdir, pacs.dimse_port, size=SMALL, volume_ml=25.0)
    seg = truth_seg(study)
    buffer = io.BytesIO()
    dcmwrite(buffer, seg, enforce_file_format=True)
    store_in_ingestion(pacs.services["ingestion"].address, buffer.getvalue())
    key = key_image_of(study)
    return IchStudy(study, str(key.SOPInstanceUID), int(key.InstanceNumber), seg.SOPInstanceUID)


def _part(code: str, display: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"code": {"coding": [{"system": AI, "code": code, "display": display}]}, **value}


def finding(patient: str, study: str, device: str, key_uid: str, seg_uid: str) -> dict[str, Any]:
    """As inference writes it (services/inference/src/radcds_inference/fhir.py)."""
    volume = {"value": 25.0, "unit": "mL", "system": UCUM, "code": "mL"}
    return {
        "resourceType": "Observation", "status": "preliminary",
        "code": {"coding": [{"system": AI, "code": "intracranial-hemorrhage",
                             "display": "Intracranial haemorrhage (AI)"}],
                 "text": "Intracranial haemorrhage (AI)"},
        "subject": {"reference": patient}, "derivedFrom": [{"reference": study}],
        "device": {"reference": device}, "valueBoolean": True,
        "component": [
            _part("ich-volume", "ICH volume", {"valueQuantity": volume}),
            _part("triage-priority", "AI triage priority",
                  {"valueCodeableConcept": {"coding": [{"system": ACT_PRIORITY, "code": "S"}]}}),
            _part("key-image", "key-image SOP Instance UID", {"valueString": key_uid}),
            _part("segmentation", "segmentation SOP Instance UID", {"valueString": seg_uid}),
        ],
    }  # fmt: skip


@dataclass(frozen=True)
class Composed:
    report: dict[str, Any]
    reply: report_pb2.GetReportResponse
    observation_id: str
    seeded: dict[str, str]


async def compose(
    clients: Clients, ich: IchStudy, seg_uid: str | None = None, key_uid: str | None = None
) -> Composed:
    async def create(resource: dict[str, Any]) -> str:
        stored, _ = await clients.store.put(resource)
        return f"{stored['resourceType']}/{stored['id']}"

    study_uid = ich.study.study_uid
    patient = await create({"resourceType": "Patient", "name": [{"family": "Synthetic"}]})
    device = await create({
        "resourceType": "Device", "deviceName": [{"name": "ich_detector", "type": "model-name"}],
        "version": [{"value": "1"}],
    })  # fmt: skip
    study = await create({
        "resourceType": "ImagingStudy", "status": "available", "subject": {"reference": patient},
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{study_uid}"}],
        "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}],
        "description": "CT head without contrast",
    })  # fmt: skip
    observation = await create(
        finding(patient, study, device, key_uid or ich.key_uid, seg_uid or ich.seg_uid)
    )
    await clients.report.Compose(report_pb2.ComposeRequest(
        study_instance_uid=study_uid,
        imaging_study=common_pb2.FhirReference(reference=study),
        patient=common_pb2.FhirReference(reference=patient),
        findings=[common_pb2.FhirReference(reference=observation)],
        result_set_digest=f"digest-{observation}",
    ))  # fmt: skip
    reply = await clients.report.GetReport(
        report_pb2.GetReportRequest(study_instance_uid=study_uid)
    )
    seeded = {"patient": patient, "study": study}
    report = json.loads(reply.report.diagnostic_report)
    return Composed(report, reply, observation.partition("/")[2], seeded)


def documents(composed: Composed, content_type: str) -> list[bytes]:
    return [d.data for d in composed.reply.report.documents if d.content_type == content_type]


def red(png: bytes) -> np.ndarray[Any, np.dtype[np.bool_]]:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)


def dilated(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    grown = mask.astype(bool).copy()
    grown[1:] |= mask[:-1].astype(bool)
    grown[:-1] |= mask[1:].astype(bool)
    grown[:, 1:] |= grown[:, :-1].copy()
    grown[:, :-1] |= grown[:, 1:].copy()
    return grown


async def test_the_report_shows_the_key_slice_with_the_mask_on_the_truth(
    pacs: Pacs, clients: Clients, ich: IchStudy
) -> None:
    composed = await compose(clients, ich)
    [png] = documents(composed, "image/png")
    image = Image.open(io.BytesIO(png))
    truth = ich.study.mask[ich.key_number - 1]
    scale = image.width // truth.shape[1]
    assert scale >= 2
    grey = np.asarray(image.convert("L"))
    assert grey.std() > 20  # not blank: the brain window shows the head
    marked = red(png)
    assert marked.sum() > 50
    rows, cols = np.nonzero(marked)
    on_truth = dilated(truth)[rows // scale, cols // scale]
    assert on_truth.mean() > 0.98  # the annotations are white and yellow, the mask red
    assert truth.sum() > 0


async def test_key_images_are_media_linked_from_the_report(
    pacs: Pacs, clients: Clients, ich: IchStudy
) -> None:
    composed = await compose(clients, ich)
    [item] = composed.report["media"]
    assert "key slice" in item["comment"]
    assert "brain window (W80 L40)" in item["comment"]
    media = await clients.store.get("Media", item["link"]["reference"].partition("/")[2])
    Media.model_validate(media)
    assert media["content"]["contentType"] == "image/png"
    assert media["subject"]["reference"] == composed.seeded["patient"]
    assert media["partOf"] == [{"reference": composed.seeded["study"]}]
    [png] = documents(composed, "image/png")
    assert (media["width"], media["height"]) == Image.open(io.BytesIO(png)).size


def poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


async def test_the_pdf_and_the_html_carry_the_key_image_and_the_priority_meaning(
    pacs: Pacs, clients: Clients, ich: IchStudy, tmp_path: Path
) -> None:
    composed = await compose(clients, ich)
    [pdf] = documents(composed, "application/pdf")
    (tmp_path / "report.pdf").write_bytes(pdf)
    listed = poppler("pdfimages", "-list", str(tmp_path / "report.pdf")).splitlines()[2:]
    assert len(listed) == 1
    assert listed[0].split()[2] == "image"
    text = poppler("pdftotext", str(tmp_path / "report.pdf"), "-")
    assert "AI triage priority: stat" in " ".join(text.split())
    assert "SOP Instance UID" not in text
    [html] = documents(composed, "text/html")
    assert b"data:image/png;base64," in html
    assert b"AI triage priority: stat" in html


async def test_a_missing_seg_leaves_the_image_out_and_the_report_stands(
    pacs: Pacs, clients: Clients, ich: IchStudy
) -> None:
    composed = await compose(clients, ich, seg_uid="2.25.1")
    assert composed.report["status"] == "preliminary"
    assert "media" not in composed.report
    assert documents(composed, "image/png") == []
    missing_key = await compose(clients, ich, key_uid="2.25.2")
    assert "media" not in missing_key.report


async def test_get_key_image_scrolls_clamped_in_the_window_asked(
    pacs: Pacs, clients: Clients, ich: IchStudy
) -> None:
    composed = await compose(clients, ich)

    async def shown(**fields: Any) -> report_pb2.GetKeyImageResponse:
        return await clients.report.GetKeyImage(report_pb2.GetKeyImageRequest(
            diagnostic_report_id=composed.report["id"], observation_id=composed.observation_id,
            **fields,
        ))  # fmt: skip

    key = await shown()
    assert key.sop_instance_uid == ich.key_uid
    assert key.slice_index == key.key_slice_index
    assert key.slice_count == SMALL.slices
    assert (key.window, key.window_center, key.window_width) == ("brain", 40, 80)
    overlay = np.asarray(Image.open(io.BytesIO(key.overlay_png)))
    assert overlay.shape[2] == 4
    assert np.array_equal(overlay[..., 3] > 0, ich.study.mask[ich.key_number - 1] > 0)
    assert (await shown(slice_offset=-1000)).slice_index == 0
    assert (await shown(slice_offset=1000)).slice_index == SMALL.slices - 1
    above = await shown(slice_offset=1)
    assert above.slice_index == key.key_slice_index + 1
    assert above.sop_instance_uid != key.sop_instance_uid
    bone = await shown(window="bone")
    custom = await shown(window="brain", window_center=60, window_width=200)
    assert (bone.window, bone.window_center, bone.window_width) == ("bone", 400, 1800)
    assert (custom.window, custom.window_center, custom.window_width) == ("custom", 60, 200)
    assert len({key.image_png, bone.image_png, custom.image_png}) == 3
    grey = np.asarray(Image.open(io.BytesIO(key.image_png)))
    assert grey.shape == ich.study.mask.shape[1:]


async def test_get_key_image_errors_say_what_is_wrong(
    pacs: Pacs, clients: Clients, ich: IchStudy
) -> None:
    composed = await compose(clients, ich)
    report_id, observation_id = composed.report["id"], composed.observation_id
    cases = [
        ({"diagnostic_report_id": "no-such-report", "observation_id": observation_id},
         grpc.StatusCode.NOT_FOUND),
        ({"diagnostic_report_id": report_id, "observation_id": "not-a-finding"},
         grpc.StatusCode.NOT_FOUND),
        ({"diagnostic_report_id": report_id, "observation_id": observation_id,
          "window": "soft-serve"}, grpc.StatusCode.INVALID_ARGUMENT),
        ({"diagnostic_report_id": report_id, "observation_id": observation_id,
          "window_center": 40, "window_width": -80}, grpc.StatusCode.INVALID_ARGUMENT),
    ]  # fmt: skip
    for fields, status in cases:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await clients.report.GetKeyImage(report_pb2.GetKeyImageRequest(**fields))
        assert error.value.code() == status, fields
