"""Checks on a draft imaging order: contrast against kidney function, pregnancy, duplicates.

Contrast thresholds: ACR Manual on Contrast Media (ACR Committee on Drugs and Contrast Media),
chapters "Postcontrast Acute Kidney Injury and Contrast-Induced Nephropathy in Adults",
"Metformin" (categories I and II, as worded in the 2021 version) and "Nephrogenic Systemic
Fibrosis" (CKD 4-5 or dialysis: group I agents contraindicated, a group II agent used); and
the ACR-NKF consensus (Davenport MS et al. Radiology. 2020;294(3):660-668.
doi:10.1148/radiol.2019192094).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from radcds_risk.alerts import AlertLevel

ACR_CONTRAST_CITATION = (
    "ACR Manual on Contrast Media, ACR Committee on Drugs and Contrast Media; "
    "Davenport MS et al. Use of Intravenous Iodinated Contrast Media in Patients with Kidney "
    "Disease: Consensus Statements from the ACR and the NKF. Radiology. 2020;294(3):660-668"
)

# ACR-NKF consensus: IV normal saline prophylaxis is indicated below 30 mL/min/1.73 m2 (not
# on maintenance dialysis); 30-44 is at the ordering clinician's discretion in high-risk cases.
IODINATED_PROPHYLAXIS_EGFR = 30.0
IODINATED_DISCRETION_EGFR = 45.0
# ACR Manual, Metformin: category II (eGFR < 30 or AKI) withholds metformin for 48 hours.
METFORMIN_WITHHOLD_EGFR = 30.0
# ACR Manual, NSF: patients at risk are those with eGFR < 30, on dialysis, or with AKI.
NSF_RISK_EGFR = 30.0


class ContrastAgent(StrEnum):
    IODINATED = "iodinated"
    GADOLINIUM = "gadolinium"


@dataclass(frozen=True)
class OrderCheck:
    level: AlertLevel
    summary: str


def _iodinated(egfr: float, on_dialysis: bool, on_metformin: bool) -> list[OrderCheck]:
    checks = []
    if on_dialysis:
        checks.append(
            OrderCheck(AlertLevel.INFO, "Patient on dialysis: coordinate with nephrology.")
        )
    elif egfr < IODINATED_PROPHYLAXIS_EGFR:
        checks.append(
            OrderCheck(
                AlertLevel.WARNING,
                f"eGFR {egfr:.0f} < 30: IV volume expansion prophylaxis indicated (ACR-NKF).",
            )
        )
    elif egfr < IODINATED_DISCRETION_EGFR:
        checks.append(
            OrderCheck(
                AlertLevel.INFO,
                f"eGFR {egfr:.0f} (30-44): prophylaxis at clinician discretion if high risk "
                "(ACR-NKF).",
            )
        )
    if on_metformin and (on_dialysis or egfr < METFORMIN_WITHHOLD_EGFR):
        checks.append(
            OrderCheck(
                AlertLevel.WARNING,
                "On metformin with eGFR < 30: withhold metformin from the time of contrast for "
                "48 h, "
                "restart after renal function is re-evaluated (ACR Manual, metformin category II).",
            )
        )
    return checks


def _gadolinium(egfr: float, on_dialysis: bool) -> list[OrderCheck]:
    if on_dialysis or egfr < NSF_RISK_EGFR:
        return [
            OrderCheck(
                AlertLevel.WARNING,
                f"eGFR {egfr:.0f} < 30 or dialysis: NSF risk group; use a group II agent, group I "
                "agents are contraindicated (ACR Manual, NSF).",
            )
        ]
    return []


def contrast_check(
    *, agent: ContrastAgent, egfr: float, on_dialysis: bool, on_metformin: bool
) -> OrderCheck:
    if egfr < 0:
        raise ValueError("eGFR must not be negative")
    if agent is ContrastAgent.IODINATED:
        checks = _iodinated(egfr, on_dialysis, on_metformin)
    else:
        checks = _gadolinium(egfr, on_dialysis)
    if not checks:
        return OrderCheck(AlertLevel.NONE, f"{agent} contrast: eGFR {egfr:.0f}, no renal caution.")
    return OrderCheck(max(c.level for c in checks), " ".join(c.summary for c in checks))


def pregnancy_check(*, positive_hcg: bool, pregnancy_recorded: bool) -> OrderCheck:
    """For an order that uses ionising radiation."""
    if positive_hcg or pregnancy_recorded:
        evidence = "positive hCG" if positive_hcg else "pregnancy on the problem list"
        return OrderCheck(
            AlertLevel.WARNING,
            f"Possible pregnancy ({evidence}) and an ionising-radiation order: confirm "
            "pregnancy status and justification before imaging.",
        )
    return OrderCheck(AlertLevel.NONE, "No recorded evidence of pregnancy.")


@dataclass(frozen=True)
class PriorStudy:
    reference: str
    performed: datetime
    ai_result: str | None


def duplicate_check(*, priors: list[PriorStudy], as_of: datetime, window_days: int) -> OrderCheck:
    """`priors` are earlier studies of the same procedure; the latest inside the window counts."""
    recent = [p for p in priors if 0 <= (as_of - p.performed).days <= window_days]
    if not recent:
        return OrderCheck(AlertLevel.NONE, f"No same procedure in the last {window_days} days.")
    latest = max(recent, key=lambda p: p.performed)
    days = (as_of - latest.performed).days
    ai = f"; AI result: {latest.ai_result}" if latest.ai_result else ""
    return OrderCheck(
        AlertLevel.WARNING,
        f"Same procedure done {days} day(s) ago ({latest.performed.date().isoformat()}){ai}.",
    )
