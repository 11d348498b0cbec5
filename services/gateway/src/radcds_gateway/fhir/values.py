"""Normalised forms of FHIR values, shared by indexing and search."""

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

# FHIR R4 date, dateTime and instant (http://hl7.org/fhir/R4/datatypes.html#dateTime).
FHIR_DATE = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


class InvalidValue(ValueError):
    pass


def normalise_string(value: str) -> str:
    """Case- and accent-insensitive form that FHIR string search compares on."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _zone(text: str | None) -> timedelta:
    if not text or text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    return sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))


def _next_month(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1)


def date_range(value: str) -> tuple[str, str]:
    """The [low, high] instants, in UTC, that a FHIR date value of any precision covers."""
    match = FHIR_DATE.match(value.strip())
    if not match:
        raise InvalidValue(f"'{value}' is not a FHIR date or dateTime")
    g = match.groupdict()
    year, month, day = int(g["year"]), int(g["month"] or 1), int(g["day"] or 1)
    try:
        start = datetime(year, month, day, int(g["hour"] or 0), int(g["minute"] or 0))
    except ValueError as error:
        raise InvalidValue(f"'{value}' is not a valid date") from error
    if g["second"]:
        start = start.replace(second=int(g["second"]))
        end = start + timedelta(seconds=1)
        if g["fraction"]:
            digits = min(len(g["fraction"]) - 1, 6)
            start += timedelta(microseconds=int(g["fraction"][1 : digits + 1].ljust(6, "0")))
            end = start + timedelta(microseconds=10 ** (6 - digits))
    elif g["hour"]:
        end = start + timedelta(minutes=1)
    elif g["day"]:
        end = start + timedelta(days=1)
    elif g["month"]:
        end = _next_month(year, month)
    else:
        end = datetime(year + 1, 1, 1)
    shift = _zone(g["zone"])
    low, high = start - shift, end - shift - timedelta(microseconds=1)
    return low.strftime(STORED_FORMAT), high.strftime(STORED_FORMAT)


def instant_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STORED_FORMAT)


def number_range(value: str) -> tuple[float, float]:
    """The interval a decimal search value stands for, given its precision (R4 3.1.1.4.2)."""
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise InvalidValue(f"'{value}' is not a number") from error
    exponent = number.as_tuple().exponent
    half_unit = Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)
    return float(number - half_unit), float(number + half_unit)
