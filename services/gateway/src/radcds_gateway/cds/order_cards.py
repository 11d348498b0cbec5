"""Cards for order-select and order-sign: the risk service's imaging-order checks on each
draft order, and the patient's prior AI findings."""

import copy
from typing import Any

from radcds_gateway.cds import record
from radcds_gateway.cds.card_parts import PRELIMINARY, CardDraft, suggestion, topic
from radcds_gateway.cds.findings import PatientFindings, finding_code
from radcds_gateway.cds.risk_client import RiskResult

Resource = dict[str, Any]
ORDER_CHECKS = {
    "duplicate_imaging": "Duplicate imaging",
    "contrast_renal": "Contrast and kidney function",
    "pregnancy_ionising": "Possible pregnancy",
}
FINDING_NAMES = {"intracranial-hemorrhage": "suspected ICH", "lung-nodule": "lung nodule"}


def _order_ref(order: Resource) -> str:
    return f"{order.get('resourceType')}/{order.get('id')}"


def _non_contrast(order: Resource) -> list[Resource]:
    """Suggestion: keep the order, ask for a non-contrast protocol (an `update` action)."""
    changed = copy.deepcopy(order)
    details = list(changed.get("orderDetail") or [])
    details.append({"text": "Non-contrast protocol"})
    changed["orderDetail"] = details
    action = {
        "type": "update",
        "description": "Change the draft order to a non-contrast protocol",
        "resource": changed,
    }
    return [suggestion("Switch to a non-contrast protocol", [action], recommended=True)]


def _cancel(order: Resource) -> list[Resource]:
    action = {
        "type": "delete",
        "description": "Remove the duplicate draft order",
        "resourceId": _order_ref(order),
    }
    return [suggestion("Cancel this duplicate order", [action])]


def _suggestions(result: RiskResult, order: Resource) -> list[Resource]:
    if not order.get("id") or result.alert not in ("warning", "critical"):
        return []
    if result.calculator == "contrast_renal":
        return _non_contrast(order)
    if result.calculator == "duplicate_imaging":
        return _cancel(order)
    return []


def order_check_cards(order: Resource, results: list[RiskResult]) -> list[CardDraft]:
    cards = []
    for result in results:
        if result.calculator not in ORDER_CHECKS or not result.computed or not result.alert:
            continue
        cards.append(
            CardDraft(
                summary=f"Order check: {result.summary}",
                indicator=result.alert,
                detail="\n".join(
                    [PRELIMINARY, "", f"- {result.summary}", "", f"*Source:* {result.citation}"]
                ),
                model=record.calculator_model(result),
                topic=topic(result.calculator, ORDER_CHECKS[result.calculator]),
                suggestions=_suggestions(result, order),
                links=False,
            )
        )
    return cards


def _describe(observation: Resource) -> str:
    name = FINDING_NAMES.get(finding_code(observation) or "", "AI finding")
    volume = record.quantity(observation, "ich-volume")
    diameter = record.quantity(observation, "nodule-diameter")
    size = volume if volume is not None else diameter
    unit = "mL" if volume is not None else "mm"
    return name if size is None else f"{name} {size:g} {unit}"


def prior_findings_card(findings: PatientFindings) -> CardDraft | None:
    """The relevant prior AI findings, for whoever orders more imaging."""
    if not findings.observations:
        return None
    described = [_describe(o) for o in findings.observations]
    latest = findings.observations[0]
    subjects = [s for o in findings.observations for s in (f"Observation/{o.get('id')}",)]
    return CardDraft(
        summary=f"Preliminary AI: prior imaging AI findings: {', '.join(described)}",
        indicator="info",
        detail="\n".join([PRELIMINARY, "", *(f"- {d}" for d in described)]),
        model=record.model_of(latest, findings.devices),
        topic=topic("prior-ai-findings", "Prior AI findings"),
        subjects=subjects,
    )
