"""DIMSE status codes used by the Storage SCP (PS3.4 Annex B.2.3, PS3.7 C)."""

from typing import Final

SUCCESS: Final = 0x0000
# PS3.4 B.2.3: Refused: Out of Resources.
OUT_OF_RESOURCES: Final = 0xA700
# PS3.4 B.2.3: Error: Data Set does not match SOP Class.
DATASET_DOES_NOT_MATCH_SOP_CLASS: Final = 0xA900
# PS3.4 B.2.3: Error: Cannot understand (0xC000-0xCFFF).
CANNOT_UNDERSTAND: Final = 0xC000
# PS3.7 C.5.9 / PS3.18 Table 10.5.3-1: Refused: SOP Class not supported.
SOP_CLASS_NOT_SUPPORTED: Final = 0x0122
# PS3.18 I.2.2 (Table I.2-2) leaves a Study Instance UID that differs from the STOW-RS target
# to the implementation, in the Cxxx range; 0xC409 is the code dcm4chee-arc uses for it.
STUDY_INSTANCE_UID_MISMATCH: Final = 0xC409
# PS3.4 B.2.3: Processing failure, used when storing failed for another reason.
PROCESSING_FAILURE: Final = 0x0110
