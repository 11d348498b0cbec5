"""The codes each calculator input is read by, with the source of each list.

Systems are the FHIR R4 canonical URIs (https://terminology.hl7.org/external_terminologies.html).
ICD-10 codes match by category prefix ("I48" matches "I48.91"), as ICD-10 chapters are built.
Medications match by RxNorm ingredient RxCUI, or by the ingredient's name in the coding's
display or text, so a clinical drug code (e.g. "warfarin sodium 5 MG Oral Tablet") matches
its ingredient without an RxNorm server.
"""

import re
from dataclasses import dataclass, field

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True)
class ValueSet:
    name: str
    source: str
    codes: frozenset[tuple[str, str]] = frozenset()
    icd10_prefixes: tuple[str, ...] = ()
    # Medication ingredient names, lower case, for matching displays and text.
    ingredients: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.ingredients:
            words = "|".join(re.escape(name) for name in self.ingredients)
            object.__setattr__(self, "_pattern", re.compile(rf"\b({words})\b"))

    def matches(self, pairs: list[tuple[str, str]], words: str = "") -> bool:
        for system, code in pairs:
            if (system, code) in self.codes:
                return True
            if system in ICD10_SYSTEMS and code.upper().startswith(self.icd10_prefixes or ("~",)):
                return True
        return bool(self._pattern and words and self._pattern.search(words))

    def ingredient_in(self, words: str) -> str | None:
        found = self._pattern.search(words) if self._pattern and words else None
        return found.group(1) if found else None


def loinc(*codes: str) -> frozenset[tuple[str, str]]:
    return frozenset((LOINC, c) for c in codes)


def snomed(*codes: str) -> frozenset[tuple[str, str]]:
    return frozenset((SNOMED, c) for c in codes)


def rxnorm(ingredients: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((RXNORM, rxcui) for rxcui in ingredients.values())


def drug_class(name: str, ingredients: dict[str, str]) -> ValueSet:
    """Ingredient name -> RxNorm ingredient RxCUI.

    The RxCUIs were written from RxNorm without a live RxNav lookup (none is reachable from
    the build machine); the ingredient-name match still catches a record whose code differs.
    """
    return ValueSet(
        name=name,
        source="RxNorm ingredient (TTY=IN) concepts, U.S. National Library of Medicine",
        codes=rxnorm(ingredients),
        ingredients=tuple(ingredients),
    )
