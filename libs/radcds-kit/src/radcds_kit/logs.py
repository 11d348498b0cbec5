"""JSON logs that keep PHI out.

Logs leave the process and outlive its data, so nothing that identifies a
patient (HIPAA 45 CFR 164.514(b)(2): names, dates of birth, record numbers)
may reach them. Two layers: fields known to carry PHI are redacted whatever
their value, and message text is scrubbed of the shapes PHI takes in DICOM
and FHIR.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Final

from opentelemetry import trace

REDACTED: Final = "[redacted]"

PHI_FIELDS: Final = frozenset(
    {
        "patient_name",
        "patientname",
        "name",
        "given",
        "family",
        "mrn",
        "patient_id",
        "patientid",
        "birth_date",
        "birthdate",
        "patientbirthdate",
        "address",
        "telecom",
        "phone",
        "email",
        "ssn",
    }
)

# A DICOM PN value (PS3.5 6.2: components separated by "^"), e.g. DOE^JANE.
_DICOM_PERSON_NAME = re.compile(r"\b[\w'-]+(?:\^[\w'-]*)+")
# A FHIR or DICOM JSON member whose value is PHI, e.g. "birthDate": "1950-01-01".
_JSON_PHI_MEMBER = re.compile(
    r'"(name|given|family|birthDate|PatientName|PatientBirthDate|PatientID|mrn)"\s*:\s*'
    r'("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\})',
    re.IGNORECASE,
)

# Attributes every LogRecord has; anything else came in through `extra=`.
_RECORD_ATTRIBUTES: Final = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's terminal-coloured copy of the message
}


def scrub_text(text: str) -> str:
    """Removes person names and PHI-bearing JSON members from free text."""
    text = _JSON_PHI_MEMBER.sub(lambda m: f'"{m.group(1)}": "{REDACTED}"', text)
    return _DICOM_PERSON_NAME.sub(REDACTED, text)


def _scrub_value(key: str, value: Any) -> Any:
    if key.lower() in PHI_FIELDS:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub_value(str(k), v) for k, v in value.items()}
    return value


class PhiFilter(logging.Filter):
    """Redacts PHI in a record's message, arguments and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub_text(record.getMessage())
        record.args = None
        for key in set(vars(record)) - _RECORD_ATTRIBUTES:
            setattr(record, key, _scrub_value(key, getattr(record, key)))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace context when there is one."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}
        if record.exc_text:
            entry["exception"] = record.exc_text
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Routes every logger through the PHI filter into JSON on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PhiFilter())
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
