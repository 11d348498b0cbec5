"""A draft imaging order (FHIR R4 ServiceRequest), as the order checks read it.

Modality and contrast are read from the order's LOINC radiology term, whose names follow the
LOINC/RSNA Radiology Playbook: the modality first ("CT", "MR", "XR", ...) and the contrast
as "W contrast", "WO contrast" or "WO and W contrast" (LOINC Users' Guide, Radiology).
"""

import re
from dataclasses import dataclass

import orjson

from radcds_risk.calculators.imaging_orders import ContrastAgent
from radcds_risk.fhir.elements import InvalidFhir, codings, concept_words, obj
from radcds_risk.fhir.views import Codes

IONISING_MODALITIES = frozenset({"CT", "XR", "RF", "NM", "PT", "MG", "XA", "DXA"})
NON_IONISING_MODALITIES = frozenset({"MR", "US"})
_MODALITY = re.compile(r"^\s*(ct|mr|xr|rf|nm|pt|mg|xa|dxa|us)\b")
_WITH_CONTRAST = re.compile(r"\bw(ith)? (iv )?contrast\b|\bwo and w\b")
_WITHOUT_CONTRAST = re.compile(r"\bwo(ut)? contrast\b|\bwithout contrast\b")


@dataclass(frozen=True)
class DraftOrder:
    codes: Codes
    words: str
    # None where the order's term does not say.
    modality: str | None
    contrast: bool | None

    @property
    def ionising(self) -> bool | None:
        if self.modality is None:
            return None
        return self.modality in IONISING_MODALITIES

    @property
    def agent(self) -> ContrastAgent | None:
        if not self.contrast or self.modality is None:
            return None
        return ContrastAgent.GADOLINIUM if self.modality == "MR" else ContrastAgent.IODINATED


def _contrast(words: str) -> bool | None:
    if _WITH_CONTRAST.search(words):
        return True
    return False if _WITHOUT_CONTRAST.search(words) else None


def parse_draft_order(raw: bytes) -> DraftOrder:
    try:
        resource = obj(orjson.loads(raw), "draft_order")
    except orjson.JSONDecodeError as error:
        raise InvalidFhir(f"draft_order is not JSON: {error}") from error
    if resource.get("resourceType") != "ServiceRequest":
        raise InvalidFhir("draft_order must be a ServiceRequest")
    concept = obj(resource.get("code"), "ServiceRequest.code")
    words = concept_words(concept, "ServiceRequest.code")
    modality = _MODALITY.search(words)
    return DraftOrder(
        codes=codings(concept, "ServiceRequest.code"),
        words=words,
        modality=modality.group(1).upper() if modality else None,
        contrast=_contrast(words),
    )
