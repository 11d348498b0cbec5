"""SQL conditions for one search parameter value, per parameter type (R4 3.1.1.4)."""

from collections.abc import Callable

from sqlalchemy import ColumnElement, Table, and_, exists, false, not_, or_, select, tuple_

from radcds_gateway.fhir.indexing import parse_reference
from radcds_gateway.fhir.outcome import FhirError
from radcds_gateway.fhir.schema import INDEX_TABLES, resources
from radcds_gateway.fhir.search_request import Filter
from radcds_gateway.fhir.values import InvalidValue, date_range, normalise_string, number_range

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
Condition = ColumnElement[bool]


def _prefixed(value: str) -> tuple[str, str]:
    if value[:2] in PREFIXES and len(value) > 2 and not value[2].isalpha():
        return value[:2], value[2:]
    return "eq", value


def range_condition(
    prefix: str, low: ColumnElement[object], high: ColumnElement[object], lo: object, hi: object
) -> Condition:
    """Compares the target range [low, high] with the search range [lo, hi]."""
    conditions: dict[str, Callable[[], Condition]] = {
        "eq": lambda: and_(low >= lo, high <= hi),
        "ne": lambda: or_(low < lo, high > hi),
        "gt": lambda: high > hi,
        "lt": lambda: low < lo,
        "ge": lambda: high >= lo,
        "le": lambda: low <= hi,
        "sa": lambda: low > hi,
        "eb": lambda: high < lo,
        "ap": lambda: and_(low <= hi, high >= lo),
    }
    return conditions[prefix]()


def _date(table: Table, value: str) -> Condition:
    prefix, text = _prefixed(value)
    lo, hi = date_range(text)
    return range_condition(prefix, table.c.low, table.c.high, lo, hi)


def _string(table: Table, value: str, modifier: str | None) -> Condition:
    text = normalise_string(value)
    if modifier == "exact":
        return table.c.value == text
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%" if modifier == "contains" else f"{escaped}%"
    return table.c.value.like(pattern, escape="\\")


def _token(table: Table, value: str) -> Condition:
    if "|" not in value:
        return table.c.code == value
    system, code = value.split("|", 1)
    if not system:
        return and_(table.c.system.is_(None), table.c.code == code)
    if not code:
        return table.c.system == system
    return and_(table.c.system == system, table.c.code == code)


def _reference(table: Table, value: str) -> Condition:
    target_type, target_id = parse_reference(value)
    if target_id is None:
        return or_(table.c.target_id == value, table.c.url == value)
    if value.startswith(("http://", "https://")):
        # An absolute reference matches by URL as well as by its type and id.
        by_key = and_(table.c.target_type == target_type, table.c.target_id == target_id)
        return or_(by_key, table.c.url == value)
    return and_(table.c.target_id == target_id, table.c.target_type == target_type)


def _quantity(table: Table, value: str) -> Condition:
    number, _, unit = value.partition("|")
    prefix, text = _prefixed(number)
    lo, hi = number_range(text)
    condition = range_condition(prefix, table.c.value, table.c.value, lo, hi)
    if unit:
        system, _, code = unit.rpartition("|") if "|" in unit else ("", "", unit)
        condition = and_(condition, table.c.code == code)
        if system:
            condition = and_(condition, table.c.system == system)
    return condition


def _uri(table: Table, value: str, modifier: str | None) -> Condition:
    if modifier == "below":
        return table.c.value.like(value.replace("%", "\\%") + "%", escape="\\")
    return table.c.value == value


def value_condition(kind: str, table: Table, value: str, modifier: str | None) -> Condition:
    try:
        if kind == "string":
            return _string(table, value, modifier)
        if kind == "token":
            return _token(table, value)
        if kind == "reference":
            return _reference(table, value)
        if kind == "date":
            return _date(table, value)
        if kind in ("number", "quantity"):
            return _quantity(table, value)
        return _uri(table, value, modifier)
    except InvalidValue as error:
        raise FhirError("invalid", str(error)) from error


def _native(search_filter: Filter) -> Condition:
    if search_filter.code == "_id":
        return resources.c.resource_id.in_(search_filter.values)
    try:
        ranges = [(*_prefixed(v)[:1], *date_range(_prefixed(v)[1])) for v in search_filter.values]
    except InvalidValue as error:
        raise FhirError("invalid", str(error)) from error
    column = resources.c.last_updated
    return or_(*(range_condition(p, column, column, lo, hi) for p, lo, hi in ranges))


def _owned(table: Table, resource_type: str, where: Condition, driving: bool) -> Condition:
    """Resources with an index row matching `where`. A driving condition is a row-value IN,
    which SQLite answers by primary-key lookups of the matches; the others are checked per
    candidate through the index's owner key, so that no long list is built for them."""
    if driving:
        keys = select(table.c.resource_type, table.c.resource_id).where(
            table.c.resource_type == resource_type, where
        )
        return tuple_(resources.c.resource_type, resources.c.resource_id).in_(keys)
    return exists().where(
        table.c.resource_type == resources.c.resource_type,
        table.c.resource_id == resources.c.resource_id,
        where,
    )


def filter_condition(resource_type: str, search_filter: Filter, driving: bool) -> Condition:
    if search_filter.code in ("_id", "_lastUpdated"):
        return _native(search_filter)
    table = INDEX_TABLES["quantity" if search_filter.kind == "number" else search_filter.kind]
    of_param = table.c.param == search_filter.code
    if search_filter.modifier == "missing":
        present = _owned(table, resource_type, of_param, driving=False)
        return not_(present) if search_filter.values[0] == "true" else present
    matches = or_(
        *(
            value_condition(search_filter.kind, table, v, search_filter.modifier)
            for v in search_filter.values
        )
    )
    if search_filter.modifier == "not":
        return not_(_owned(table, resource_type, and_(of_param, matches), driving=False))
    return _owned(table, resource_type, and_(of_param, matches), driving)


def can_drive(search_filter: Filter) -> bool:
    return search_filter.code not in ("_id", "_lastUpdated") and search_filter.modifier not in (
        "missing",
        "not",
    )


def compartment_condition(
    resource_type: str, params: tuple[str, ...], patient_id: str, driving: bool
) -> Condition:
    """Confines a search to the compartment of one patient (R4 CompartmentDefinition patient)."""
    if resource_type == "Patient":
        return resources.c.resource_id == patient_id
    if not params:
        return false()
    table = INDEX_TABLES["reference"]
    where = and_(
        table.c.param.in_(params),
        table.c.target_type == "Patient",
        table.c.target_id == patient_id,
    )
    return _owned(table, resource_type, where, driving)
