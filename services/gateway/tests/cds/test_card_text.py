"""Numbers on cards read as measurements: three significant figures, never an exponent."""

import pytest
from radcds_gateway.cds.record import number

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (40.6406, "mL", "40.6 mL"),
        (0.9712, "", "0.971"),
        (14.5, "mL", "14.5 mL"),
        (8.0, "mm", "8 mm"),
        (123.456, "mL", "123 mL"),
        (1234.5, "mL", "1234 mL"),
        (None, "mL", "unknown"),
    ],
)
def test_card_numbers(value: float | None, unit: str, text: str) -> None:
    assert number(value, unit) == text
