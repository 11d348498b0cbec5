"""The rendered report as a DICOM Encapsulated PDF (PS3.3 A.45.1), in the source study."""

from collections.abc import Sequence
from datetime import UTC, datetime
from io import BytesIO

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    EncapsulatedPDFStorage,
    ExplicitVRLittleEndian,
)

from radcds_report.pacs.uids import ReportVersion

PDF_SERIES_NUMBER = 9902
# PS3.3 C.7.1.1 Patient and C.7.2.1 General Study: copied so that the PDF joins the study.
STUDY_ATTRIBUTES = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
    "StudyDescription",
)
# LOINC 18748-4 "Diagnostic imaging study", the radiology report document code.
REPORT_CONCEPT = ("18748-4", "LN", "Diagnostic imaging study")


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _source_instances(images: Sequence[Dataset]) -> DicomSequence:
    items = []
    for image in images:
        item = Dataset()
        item.ReferencedSOPClassUID = image.SOPClassUID
        item.ReferencedSOPInstanceUID = image.SOPInstanceUID
        items.append(item)
    return DicomSequence(items)


def _file_meta(sop_instance_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = EncapsulatedPDFStorage
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def encapsulated_pdf(
    images: Sequence[Dataset], pdf: bytes, title: str, version: ReportVersion, final: bool
) -> Dataset:
    if not images or not pdf.startswith(b"%PDF"):
        raise ValueError("an Encapsulated PDF needs the source images and a PDF")
    now = datetime.now(UTC)
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    for keyword in STUDY_ATTRIBUTES:
        if keyword in images[0]:
            setattr(ds, keyword, images[0][keyword].value)
    ds.SOPClassUID = EncapsulatedPDFStorage
    ds.SOPInstanceUID = version.instance_uid("pdf")
    # C.24.1 Encapsulated Document Series; C.7.5.1 and C.8.6.1 equipment.
    ds.Modality = "DOC"
    ds.SeriesInstanceUID = version.series_uid("pdf")
    ds.SeriesNumber = PDF_SERIES_NUMBER
    ds.SeriesDescription = "AI report (radcds)"
    ds.Manufacturer = "radcds"
    ds.ConversionType = "WSD"
    # C.24.2 Encapsulated Document.
    ds.InstanceNumber = version.instance_number
    ds.ContentDate, ds.ContentTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.AcquisitionDateTime = now.strftime("%Y%m%d%H%M%S")
    ds.BurnedInAnnotation = "YES"
    ds.SourceInstanceSequence = _source_instances(images)
    ds.DocumentTitle = title[:64]
    ds.ConceptNameCodeSequence = DicomSequence([_code(*REPORT_CONCEPT)])
    ds.VerificationFlag = "VERIFIED" if final else "UNVERIFIED"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    # OB is padded to even length (PS3.5 7.1.1); the length says where the PDF ends.
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(pdf)
    ds.file_meta = _file_meta(ds.SOPInstanceUID)
    return ds


def to_part10(dataset: Dataset) -> bytes:
    """PS3.10 bytes with file meta, as the outbox stores and C-STORE sends them."""
    buffer = BytesIO()
    dcmwrite(buffer, dataset, enforce_file_format=True)
    return buffer.getvalue()


def from_part10(data: bytes) -> Dataset:
    return dcmread(BytesIO(data))
