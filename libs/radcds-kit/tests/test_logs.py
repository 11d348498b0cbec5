import json
import logging

import pytest
from radcds_kit.logs import REDACTED, JsonFormatter, PhiFilter, scrub_text

pytestmark = pytest.mark.unit


def render(logger_call: str = "", **kwargs: object) -> dict[str, object]:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s", (logger_call,), None)
    for key, value in kwargs.items():
        setattr(record, key, value)
    assert PhiFilter().filter(record)
    return dict(json.loads(JsonFormatter("test").format(record)))


def test_dicom_person_name_is_scrubbed_from_the_message() -> None:
    entry = render("stored instance for DOE^JANE^Q from MODALITY1")
    assert "DOE" not in str(entry["message"])
    assert "MODALITY1" in str(entry["message"])


def test_phi_fields_passed_as_extra_are_redacted() -> None:
    entry = render("patient matched", mrn="MRN-000123", patient_name="Jane Doe", study="1.2.3")
    assert entry["mrn"] == REDACTED
    assert entry["patient_name"] == REDACTED
    assert entry["study"] == "1.2.3"


def test_fhir_json_with_name_and_birth_date_is_scrubbed() -> None:
    body = '{"resourceType": "Patient", "name": [{"family": "Doe"}], "birthDate": "1950-02-03"}'
    text = scrub_text(body)
    assert "Doe" not in text
    assert "1950-02-03" not in text
    assert '"resourceType": "Patient"' in text


def test_exception_text_is_scrubbed() -> None:
    try:
        raise ValueError("bad name SMITH^JOHN")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    PhiFilter().filter(record)
    entry = json.loads(JsonFormatter("test").format(record))
    assert "SMITH" not in entry["exception"]
    assert "ValueError" in entry["exception"]


def test_nested_extra_values_are_scrubbed() -> None:
    entry = render("context", context={"birthDate": "1950-01-01", "modality": "CT"})
    assert entry["context"] == {"birthDate": REDACTED, "modality": "CT"}
