"""The report's findings as a DICOM Comprehensive 3D SR, TID 1500 Measurement Report.

A pure function of the source datasets (the study's images, and its SEG when inference
stored one), the coded findings and the report's content. Each finding is one
measurement group: TID 1411 (volumetric ROI) referencing its SEG segment when there is
one, else TID 1501; the Image Library (TID 1600) lists every source image.
"""

from collections.abc import Sequence
from typing import Any

import highdicom as hd
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from radcds_report.content import ModelLine, ReportContent
from radcds_report.pacs import codes
from radcds_report.pacs.coded_findings import CodedFinding
from radcds_report.pacs.uids import ReportVersion, uid_for

SR_SERIES_NUMBER = 9901
MANUFACTURER = "radcds"
MeasurementGroup = (
    hd.sr.MeasurementsAndQualitativeEvaluations
    | hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations
)


def _split(sources: Sequence[Dataset]) -> tuple[list[Dataset], list[Dataset]]:
    segs = [d for d in sources if d.SOPClassUID == SegmentationStorage]
    images = [d for d in sources if d.SOPClassUID != SegmentationStorage and "Rows" in d]
    if not images:
        raise ValueError("the SR needs the study's source images")
    return images, segs


def _referenced_segment(seg: Dataset, number: int) -> hd.sr.ReferencedSegment:
    """The whole segment and the series it was derived from (TID 1411 Referenced Segment)."""
    source = seg.ReferencedSeriesSequence[0].SeriesInstanceUID
    return hd.sr.ReferencedSegment(
        sop_class_uid=seg.SOPClassUID,
        sop_instance_uid=seg.SOPInstanceUID,
        segment_number=number,
        source_series=hd.sr.SourceSeriesForSegmentation(source),
    )


def _segment_for(finding: CodedFinding, segs: list[Dataset]) -> hd.sr.ReferencedSegment | None:
    """The SEG segment whose Segmented Property Type is the finding's (PS3.3 C.8.20.2)."""
    for seg in segs:
        for segment in seg.SegmentSequence:
            kind = segment.SegmentedPropertyTypeCodeSequence[0]
            if (kind.CodeValue, kind.CodingSchemeDesignator) == (
                finding.finding_type.value,
                finding.finding_type.scheme_designator,
            ):
                return _referenced_segment(seg, int(segment.SegmentNumber))
    return None


def _algorithms(content: ReportContent) -> dict[str, ModelLine]:
    """Device reference -> model: the composer lists models in sorted device order."""
    devices = sorted({f.device for f in content.findings if f.device})
    return dict(zip(devices, content.models, strict=False))


def _group(
    finding: CodedFinding, version: ReportVersion, segs: list[Dataset], model: ModelLine | None
) -> MeasurementGroup:
    tracking = hd.sr.TrackingIdentifier(
        uid=uid_for("tracking", version.report_id, finding.finding.reference),
        identifier=finding.finding.name[:64],
    )
    common: dict[str, Any] = {
        "tracking_identifier": tracking,
        "finding_type": finding.finding_type,
        "algorithm_id": (
            hd.sr.AlgorithmIdentification(model.name, model.version or "unknown") if model else None
        ),
        "finding_sites": [hd.sr.FindingSite(site) for site in finding.sites] or None,
        "measurements": [
            hd.sr.Measurement(name=m.name, value=m.value, unit=m.unit) for m in finding.measurements
        ]
        or None,
        "qualitative_evaluations": [
            hd.sr.QualitativeEvaluation(e.name, e.value) for e in finding.evaluations
        ]
        or None,
    }
    segment = _segment_for(finding, segs)
    if segment is not None:
        return hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
            referenced_segment=segment, **common
        )
    return hd.sr.MeasurementsAndQualitativeEvaluations(**common)


def _observation_context(content: ReportContent) -> hd.sr.ObservationContext:
    if not content.models:
        return hd.sr.ObservationContext()
    model = content.models[0]
    device = hd.sr.DeviceObserverIdentifyingAttributes(
        uid=uid_for("device", model.name, model.version),
        name=model.name[:64],
        manufacturer_name=MANUFACTURER,
        model_name=f"{model.name} {model.version}".strip()[:64],
    )
    observer = hd.sr.ObserverContext(
        observer_type=CodedConcept("121007", "DCM", "Device"),
        observer_identifying_attributes=device,
    )
    return hd.sr.ObservationContext(observer_device_context=observer)


def _procedure(image: Dataset) -> CodedConcept:
    """The study's procedure code when the images carry one (PS3.3 C.7.2.1)."""
    for item in image.get("ProcedureCodeSequence", []):
        if {"CodeValue", "CodingSchemeDesignator", "CodeMeaning"} <= set(item.dir()):
            return CodedConcept(item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning)
    return codes.IMAGING_PROCEDURE


def _verifier(content: ReportContent) -> str | None:
    signed = [s for s in content.signatures if s.kind == "signed"]
    if content.status == "preliminary" or not signed:
        return None
    name = signed[-1].practitioner[:63]
    # PS3.5 6.2.1: a name without "^" is one component; the caret says so explicitly.
    return name if "^" in name else f"{name}^"


def build_sr(
    sources: Sequence[Dataset],
    findings: Sequence[CodedFinding],
    content: ReportContent,
    version: ReportVersion,
) -> Dataset:
    """The SR document of one report version (PS3.3 A.35.13, Comprehensive 3D SR IOD)."""
    images, segs = _split(sources)
    models = _algorithms(content)
    groups = [_group(f, version, segs, models.get(f.finding.device or "")) for f in findings]
    report = hd.sr.MeasurementReport(
        observation_context=_observation_context(content),
        procedure_reported=_procedure(images[0]),
        imaging_measurements=groups,
        referenced_images=images,
    )
    verifier = _verifier(content)
    institution = str(images[0].get("InstitutionName", "")) or MANUFACTURER
    document = hd.sr.Comprehensive3DSR(
        evidence=[*images, *segs],
        content=report,
        series_instance_uid=version.series_uid("sr"),
        series_number=SR_SERIES_NUMBER,
        sop_instance_uid=version.instance_uid("sr"),
        instance_number=version.instance_number,
        manufacturer=MANUFACTURER,
        is_complete=True,
        is_final=content.status != "preliminary",
        is_verified=verifier is not None,
        verifying_observer_name=verifier,
        verifying_organization=institution if verifier else None,
    )
    document.SeriesDescription = "AI measurements (radcds)"
    document.CodingSchemeIdentificationSequence = [codes.private_scheme_identification()]
    return document
