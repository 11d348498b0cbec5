"""A head CT with a planted haemorrhage (radcds-synth), its AI mask as a DICOM SEG
(highdicom), both stored in a real ingestion process, and the finding that names its key
slice and SEG, composed into a preliminary report: what the viewer's GetKeyImage reads."""

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import grpc
import highdicom as hd
import numpy as np
import pydicom
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid
from radcds.common.v1 import common_pb2
from radcds.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from radcds.report.v1 import report_pb2
from radcds_kit.fhir_store import FhirStoreClient
from radcds_synth import TINY, HaemorrhageSpec, StudyIdentity, UidSource, write_head_ct
from web_seed import FINDING, _put, ich_finding
from web_suite import WebSuite

CHUNK = 256 * 1024


def head_ct_with_mask(folder: Path, seed: int) -> tuple[list[pydicom.Dataset], hd.seg.Segmentation]:
    uids = UidSource(seed=seed, patient_index=0)
    identity = StudyIdentity(
        "Synthetic", "Ada", "SYN-0001", dt.date(1948, 3, 2), "female", f"ACC-{seed}",
        dt.datetime(2026, 11, 28, 7, 30), uids.uid("study"),
    )  # fmt: skip
    write_head_ct(folder, identity, uids, size=TINY,
                  haemorrhage=HaemorrhageSpec("intraparenchymal", 20.0))  # fmt: skip
    images = [pydicom.dcmread(p) for p in (folder / "CT").glob("*.dcm")]
    images.sort(key=lambda ds: int(ds.InstanceNumber))
    mask = np.load(folder / "haemorrhage_mask.npy")
    return images, _seg(images, mask.astype(np.uint8))


def _seg(images: list[pydicom.Dataset], mask: np.ndarray) -> hd.seg.Segmentation:
    algorithm = hd.AlgorithmIdentificationSequence(
        name="ich_detector", version="1.0.0", family=codes.DCM.ArtificialIntelligence
    )
    segment = hd.seg.SegmentDescription(
        segment_number=1, segment_label="haemorrhage (AI, not for clinical use)",
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Hemorrhage,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=algorithm,
    )  # fmt: skip
    return hd.seg.Segmentation(
        source_images=images, pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[segment], series_instance_uid=generate_uid(), series_number=9000,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="radcds",
        manufacturer_model_name="ich_detector", software_versions="1.0.0",
        device_serial_number="1.0.0", omit_empty_frames=True,
    )  # fmt: skip


def _requests(datasets: list[pydicom.Dataset]) -> Any:
    for dataset in datasets:
        data = _part10(dataset)
        for offset in range(0, len(data), CHUNK):
            yield ingestion_pb2.StoreInstancesRequest(chunk=ingestion_pb2.InstanceChunk(
                sop_instance_uid=str(dataset.SOPInstanceUID),
                series_instance_uid=str(dataset.SeriesInstanceUID),
                transfer_syntax_uid=str(dataset.file_meta.TransferSyntaxUID),
                offset=offset, total_bytes=len(data), data=data[offset : offset + CHUNK],
                last_chunk=offset + CHUNK >= len(data),
            ))  # fmt: skip


def _part10(dataset: pydicom.Dataset) -> bytes:
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def store_in_ingestion(channel: Any, datasets: list[pydicom.Dataset]) -> None:
    stub = ingestion_pb2_grpc.IngestionServiceStub(channel)
    reply = stub.StoreInstances(_requests(datasets), timeout=60)
    assert not reply.failed, reply.failed[0].reason
    assert len(reply.stored) == len(datasets)


def _component(code: str, uid: str) -> dict[str, Any]:
    return {"code": {"coding": [{"system": FINDING, "code": code}]}, "valueString": uid}


async def seed_key_image_study(
    store: FhirStoreClient, report: Any, patient_id: str,
    images: list[pydicom.Dataset], seg: hd.seg.Segmentation,
) -> dict[str, Any]:  # fmt: skip
    """The finding for a study already in ingestion, naming the slice with the most mask
    as its key image, and its composed preliminary report."""
    patient = f"Patient/{patient_id}"
    uid = str(images[0].StudyInstanceUID)
    areas: dict[str, int] = {}
    frames = seg.pixel_array.reshape(len(seg.PerFrameFunctionalGroupsSequence), -1).sum(axis=1)
    for group, area in zip(seg.PerFrameFunctionalGroupsSequence, frames, strict=True):
        source = group.DerivationImageSequence[0].SourceImageSequence[0]
        areas[str(source.ReferencedSOPInstanceUID)] = int(area)
    key_uid = max(areas, key=lambda u: areas[u])
    device = await _put(store, {"resourceType": "Device",
        "deviceName": [{"name": "ich_detector", "type": "model-name"}],
        "version": [{"value": "1.0.0"}]})  # fmt: skip
    study = await _put(store, {"resourceType": "ImagingStudy", "status": "available",
        "subject": {"reference": patient}, "description": "CT head without contrast",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid}"}],
        "started": "2026-11-28T07:30:00Z"})  # fmt: skip
    finding = ich_finding(patient, study, device, 20.0, "stat")
    finding["component"] += [_component("key-image", key_uid),
                             _component("segmentation", str(seg.SOPInstanceUID))]  # fmt: skip
    finding_ref = await _put(store, finding)
    composed = await report.Compose(report_pb2.ComposeRequest(
        study_instance_uid=uid, imaging_study=common_pb2.FhirReference(reference=study),
        patient=common_pb2.FhirReference(reference=patient),
        findings=[common_pb2.FhirReference(reference=finding_ref)], result_set_digest=uid,
    ))  # fmt: skip
    return {"finding": finding_ref, "study": study,
            "report": composed.diagnostic_report.reference, "key_uid": key_uid}  # fmt: skip


def key_image_study(suite: WebSuite, folder: Path, patient_id: str, seed: int) -> dict[str, Any]:
    """A head CT and its AI mask stored in the suite's ingestion, and the finding and
    preliminary report that name its key slice."""
    images, seg = head_ct_with_mask(folder, seed=seed)
    with grpc.insecure_channel(suite.ingestion_grpc) as channel:
        store_in_ingestion(channel, [*images, seg])
    return suite.run(
        lambda store, report: seed_key_image_study(store, report, patient_id, images, seg)
    )
