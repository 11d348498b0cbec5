"""The Storage SOP classes ingestion accepts (PS3.4 Annex B.5)."""

from typing import Final

from pydicom import uid as sop_class

STORAGE_SOP_CLASSES: Final[frozenset[str]] = frozenset(
    str(uid)
    for uid in (
        sop_class.CTImageStorage,
        sop_class.EnhancedCTImageStorage,
        sop_class.LegacyConvertedEnhancedCTImageStorage,
        sop_class.MRImageStorage,
        sop_class.EnhancedMRImageStorage,
        sop_class.ComputedRadiographyImageStorage,
        sop_class.DigitalXRayImageStorageForPresentation,
        sop_class.DigitalXRayImageStorageForProcessing,
        sop_class.DigitalMammographyXRayImageStorageForPresentation,
        sop_class.DigitalMammographyXRayImageStorageForProcessing,
        sop_class.BreastTomosynthesisImageStorage,
        sop_class.SecondaryCaptureImageStorage,
        sop_class.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
        sop_class.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
        sop_class.MultiFrameTrueColorSecondaryCaptureImageStorage,
        sop_class.BasicTextSRStorage,
        sop_class.EnhancedSRStorage,
        sop_class.ComprehensiveSRStorage,
        sop_class.Comprehensive3DSRStorage,
        sop_class.SegmentationStorage,
    )
)
