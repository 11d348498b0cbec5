"""A FHIR search, parsed from its query parameters and checked against the R4 definitions."""

from dataclasses import dataclass, field

from radcds_gateway.fhir.definitions import SearchDefinitions
from radcds_gateway.fhir.outcome import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 1000
MAX_OFFSET = 100_000
# Result parameters this server understands besides _count, _offset, _sort and the includes.
IGNORED = {"_format", "_pretty", "_total", "_elements"}
NATIVE = {"_id": "token", "_lastUpdated": "date"}
MODIFIERS = {
    "string": {"exact", "contains", "missing"},
    "token": {"not", "missing"},
    "reference": {"missing"},
    "date": {"missing"},
    "number": {"missing"},
    "quantity": {"missing"},
    "uri": {"below", "missing"},
}


@dataclass(frozen=True)
class Filter:
    code: str
    kind: str
    modifier: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Include:
    source_type: str
    param: str
    target_type: str | None


@dataclass
class SearchRequest:
    resource_type: str
    filters: list[Filter] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    revincludes: list[Include] = field(default_factory=list)
    summary_count: bool = False
    # Set by access control: only this patient's compartment may match.
    compartment_patient: str | None = None


def _integer(name: str, value: str, ceiling: int) -> int:
    if not value.isdigit():
        raise FhirError("invalid", f"{name} must be a non-negative integer")
    return min(int(value), ceiling)


def _include(value: str, definitions: SearchDefinitions, reverse: bool) -> Include:
    parts = value.removesuffix(":iterate").split(":")
    if len(parts) not in (2, 3):
        raise FhirError("invalid", f"'{value}' is not Type:param or Type:param:TargetType")
    source_type, param = parts[0], parts[1]
    spec = definitions.params(source_type).get(param)
    if spec is None or spec.type != "reference":
        raise FhirError("invalid", f"{source_type}:{param} is not a supported reference parameter")
    return Include(source_type, param, parts[2] if len(parts) == 3 else None)


class SearchParser:
    def __init__(self, definitions: SearchDefinitions) -> None:
        self.definitions = definitions

    def parse(
        self, resource_type: str, query: list[tuple[str, str]], lenient: bool = False
    ) -> SearchRequest:
        request = SearchRequest(resource_type)
        for name, value in query:
            try:
                self._apply(request, name, value)
            except FhirError:
                if not lenient or name.startswith("_"):
                    raise
        return request

    def _apply(self, request: SearchRequest, name: str, value: str) -> None:
        if name == "_count":
            request.count = _integer(name, value, MAX_COUNT)
        elif name == "_offset":
            request.offset = _integer(name, value, MAX_OFFSET)
        elif name == "_sort":
            request.sort = [self._sort_key(request.resource_type, key) for key in value.split(",")]
        elif name == "_include":
            request.includes.append(_include(value, self.definitions, reverse=False))
        elif name == "_revinclude":
            request.revincludes.append(_include(value, self.definitions, reverse=True))
        elif name == "_summary":
            request.summary_count = value == "count"
        elif name not in IGNORED:
            request.filters.append(self._filter(request.resource_type, name, value))

    def _kind(self, resource_type: str, code: str) -> str:
        if code in NATIVE:
            return NATIVE[code]
        spec = self.definitions.params(resource_type).get(code)
        if spec is None:
            raise FhirError("not-supported", f"{resource_type} has no search parameter '{code}'")
        return spec.type

    def _filter(self, resource_type: str, name: str, value: str) -> Filter:
        code, _, modifier = name.partition(":")
        kind = self._kind(resource_type, code)
        if modifier and kind == "reference" and modifier[:1].isupper():
            return Filter(code, kind, None, tuple(f"{modifier}/{v}" for v in _split(value)))
        if modifier and modifier not in MODIFIERS.get(kind, set()) and code not in NATIVE:
            raise FhirError("not-supported", f"modifier :{modifier} is not supported on '{code}'")
        if not value:
            raise FhirError("invalid", f"search parameter '{name}' has no value")
        return Filter(code, kind, modifier or None, tuple(_split(value)))

    def _sort_key(self, resource_type: str, key: str) -> tuple[str, bool]:
        code = key.removeprefix("-")
        if code not in NATIVE and self._kind(resource_type, code) == "reference":
            raise FhirError("not-supported", f"_sort by reference parameter '{code}'")
        self._kind(resource_type, code)
        return code, key.startswith("-")


def _split(value: str) -> list[str]:
    """Comma-separated alternatives; a comma escaped as \\, stays in the value."""
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p]
