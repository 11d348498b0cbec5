"""What a report says, once, for every rendering of it (HTML, PDF, DICOM SR)."""

from dataclasses import dataclass, field
from typing import Any

from radcds_report.findings import Finding, concept_text

Resource = dict[str, Any]

PRELIMINARY_BANNER = (
    "AI-generated preliminary result. Not yet reviewed by a clinician: "
    "do not act on it without review."
)


@dataclass(frozen=True)
class RiskLine:
    calculator: str  # the score's name as readers see it (stored contents keep this key)
    summary: str
    alert_level: str
    citation: str


@dataclass(frozen=True)
class ModelLine:
    name: str
    version: str
    notes: list[str]


@dataclass(frozen=True)
class KeyImage:
    title: str
    png: bytes
    finding: str = ""  # the finding Observation's reference
    sop_instance_uid: str = ""  # the source image shown


@dataclass(frozen=True)
class Signature:
    practitioner: str
    time: str
    kind: str  # "signed" or "amended"
    reason: str = ""


@dataclass(frozen=True)
class ReportContent:
    title: str
    status: str
    patient: str
    study: str
    findings: list[Finding]
    risks: list[RiskLine]
    models: list[ModelLine]
    conclusion: str
    key_images: list[KeyImage] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)

    @property
    def banner(self) -> str:
        if self.status == "preliminary":
            return PRELIMINARY_BANNER
        last = self.signatures[-1] if self.signatures else None
        who = f" by {last.practitioner} on {last.time}" if last else ""
        return f"Report {self.status}{who}. AI findings were reviewed by a clinician."


def conclusion_for(findings: list[Finding], risks: list[RiskLine]) -> str:
    """One paragraph: what the AI found, and the critical risks it raised."""
    present = [f for f in findings if f.present]
    if present:
        parts = [
            f"{f.name}" + (f" ({_measurements(f)})" if f.measurements else "") for f in present
        ]
        text = "AI suggests: " + "; ".join(parts) + "."
    elif findings:
        text = "No AI finding: " + ", ".join(f.name for f in findings) + " not detected."
    else:
        text = "No AI model applied to this study."
    critical = [r.summary for r in risks if r.alert_level == "critical"]
    if critical:
        text += " Critical: " + " ".join(critical)
    return text


def _measurements(finding: Finding) -> str:
    return ", ".join(f"{m.name} {m.value}" for m in finding.measurements)


def patient_line(patient: Resource) -> str:
    names = patient.get("name", [])
    name = ""
    if names:
        first = names[0]
        name = first.get("text") or " ".join([*first.get("given", []), first.get("family", "")])
    born = patient.get("birthDate", "")
    mrn = next((i.get("value", "") for i in patient.get("identifier", [])), "")
    return ", ".join(part for part in (name.strip(), f"MRN {mrn}" if mrn else "", born) if part)


def study_line(imaging_study: Resource) -> str:
    description = imaging_study.get("description", "") or ", ".join(
        concept_text(m) or m.get("code", "") for m in imaging_study.get("modality", [])
    )
    started = str(imaging_study.get("started", ""))[:16].replace("T", " ")
    return " ".join(part for part in (description, started) if part)


def model_line(device: Resource) -> ModelLine:
    names = device.get("deviceName", [])
    versions = device.get("version", [])
    return ModelLine(
        name=names[0].get("name", "AI model") if names else "AI model",
        version=versions[0].get("value", "") if versions else "",
        notes=[note.get("text", "") for note in device.get("note", []) if note.get("text")],
    )
