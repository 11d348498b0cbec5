"""Alert: an active anticoagulant in a patient with suspected intracranial haemorrhage.

Greenberg SM, Ziai WC, Cordonnier C, et al. 2022 Guideline for the Management of Patients With
Spontaneous Intracerebral Hemorrhage: A Guideline From the American Heart Association/American
Stroke Association. Stroke. 2022;53(7):e282-e361. doi:10.1161/STR.0000000000000407.
The guideline's acute reversal recommendations are organised by drug class (vitamin K
antagonists, dabigatran, factor Xa inhibitors, heparins). This module names the class and
points to the guideline; it never proposes an agent or a dose: the clinician decides.
"""

from dataclasses import dataclass
from enum import StrEnum

from radcds_risk.alerts import AlertLevel

CITATION = (
    "Greenberg SM et al. 2022 Guideline for the Management of Patients With Spontaneous "
    "Intracerebral Hemorrhage: A Guideline From the American Heart Association/American Stroke "
    "Association. Stroke. 2022;53(7):e282-e361. doi:10.1161/STR.0000000000000407"
)


class AnticoagulantClass(StrEnum):
    VITAMIN_K_ANTAGONIST = "vitamin K antagonist"
    DIRECT_THROMBIN_INHIBITOR = "direct thrombin inhibitor"
    FACTOR_XA_INHIBITOR = "factor Xa inhibitor"
    UNFRACTIONATED_HEPARIN = "unfractionated heparin"
    LOW_MOLECULAR_WEIGHT_HEPARIN = "low-molecular-weight heparin"
    PENTASACCHARIDE = "pentasaccharide (fondaparinux)"


@dataclass(frozen=True)
class ActiveAnticoagulant:
    ingredient: str
    drug_class: AnticoagulantClass


@dataclass(frozen=True)
class AnticoagulationAlert:
    level: AlertLevel
    summary: str


def _drug_list(drugs: list[ActiveAnticoagulant]) -> str:
    return ", ".join(f"{d.ingredient} ({d.drug_class})" for d in drugs)


def anticoagulation_alert(
    *, drugs: list[ActiveAnticoagulant], latest_inr: float | None
) -> AnticoagulationAlert:
    """For a patient whose haemorrhage is suspected: critical when any anticoagulant is active."""
    if not drugs:
        return AnticoagulationAlert(
            AlertLevel.NONE, "Suspected ICH; no active anticoagulant on the medication record."
        )
    inr = ""
    if any(d.drug_class is AnticoagulantClass.VITAMIN_K_ANTAGONIST for d in drugs):
        inr = f"; latest INR {latest_inr:.1f}" if latest_inr is not None else "; no recent INR"
    summary = (
        f"Suspected ICH on anticoagulant: {_drug_list(drugs)}{inr}. Urgent reversal review per "
        "2022 AHA/ASA spontaneous ICH guideline (decision support, not an order)."
    )
    return AnticoagulationAlert(AlertLevel.CRITICAL, summary)
