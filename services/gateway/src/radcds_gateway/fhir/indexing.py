"""Search index rows extracted from a resource at write time, by FHIRPath."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from radcds_gateway.fhir.definitions import SearchParameter
from radcds_gateway.fhir.values import InvalidValue, date_range, normalise_string

STRING_FIELDS = ("text", "family", "given", "prefix", "suffix", "line", "city", "district")
STRING_FIELDS_MORE = ("state", "postalCode", "country", "display", "value", "name")
log = logging.getLogger(__name__)
MAX_STRING = 512
MAX_KEY = 64


@dataclass
class IndexRows:
    """Rows per index table, each a dict of column values without the resource key."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _seen: set[tuple[str, tuple[Any, ...]]] = field(default_factory=set)

    def add(self, table: str, row: dict[str, Any]) -> None:
        key = (table, tuple(row.values()))
        if key not in self._seen:
            self._seen.add(key)
            self.tables.setdefault(table, []).append(row)


def _clip(text: str | None, limit: int = MAX_STRING) -> str | None:
    return text[:limit] if isinstance(text, str) else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for name in (*STRING_FIELDS, *STRING_FIELDS_MORE):
            item = value.get(name)
            for text in item if isinstance(item, list) else [item]:
                if isinstance(text, str):
                    yield text


def _tokens(value: Any) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, bool):
        yield None, "true" if value else "false"
    elif isinstance(value, str):
        yield None, value
    elif isinstance(value, dict):
        for coding in value.get("coding", []):
            if coding.get("code"):
                yield coding.get("system"), coding["code"]
        if value.get("code") is not None and "coding" not in value:
            yield value.get("system"), str(value["code"])
        elif value.get("value") is not None:
            yield value.get("system"), str(value["value"])


def parse_reference(reference: str) -> tuple[str | None, str | None]:
    """(type, id) of a relative or absolute literal reference; (None, None) otherwise."""
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-1]:
        return parts[-2], parts[-1]
    return None, None


def _references(value: Any) -> Iterator[dict[str, Any]]:
    reference = value.get("reference") if isinstance(value, dict) else value
    if isinstance(reference, str) and not reference.startswith("#"):
        target_type, target_id = parse_reference(reference)
        yield {
            "target_type": _clip(target_type, MAX_KEY),
            "target_id": _clip(target_id, MAX_KEY),
            "url": reference[:MAX_STRING],
        }


def _dates(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield date_range(value)
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        low = date_range(value["start"])[0] if "start" in value else "0001-01-01T00:00:00.000000"
        high = date_range(value["end"])[1] if "end" in value else "9999-12-31T23:59:59.999999"
        yield low, high
    elif isinstance(value, dict):
        for event in value.get("event", []):
            yield date_range(event)


def _rows(param: SearchParameter, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    kind = param.type
    if kind == "string":
        for text in _strings(value):
            yield "string", {"value": normalise_string(text)[:MAX_STRING]}
    elif kind == "token":
        for system, code in _tokens(value):
            yield "token", {"system": _clip(system), "code": code[:MAX_STRING]}
    elif kind == "reference":
        for row in _references(value):
            yield "reference", row
    elif kind == "date":
        for low, high in _dates(value):
            yield "date", {"low": low, "high": high}
    elif kind == "uri" and isinstance(value, str):
        yield "uri", {"value": value[:MAX_STRING]}
    elif kind in ("number", "quantity"):
        yield from _numbers(kind, value)


def _numbers(kind: str, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        yield "quantity", {"value": float(value), "system": None, "code": None}
    elif isinstance(value, dict) and isinstance(value.get("value"), int | float | Decimal):
        code = value.get("code") or value.get("unit")
        yield (
            "quantity",
            {"value": float(value["value"]), "system": value.get("system"), "code": code},
        )


def extract_index(resource: dict[str, Any], params: dict[str, SearchParameter]) -> IndexRows:
    rows = IndexRows()
    for param in params.values():
        try:
            values = param.evaluate(resource)
        except Exception:
            # A FHIRPath library fault leaves the parameter unindexed; the write goes on.
            log.warning("search parameter not indexed", extra={"parameter": param.code})
            continue
        for value in values:
            try:
                for table, row in _rows(param, value):
                    rows.add(table, {"param": param.code, **row})
            except InvalidValue:
                continue
    return rows
