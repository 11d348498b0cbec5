"""Runs a parsed search: matches, total, sort order, page, _include and _revinclude."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, tuple_

from radcds_gateway.fhir.definitions import SearchDefinitions
from radcds_gateway.fhir.schema import INDEX_TABLES, resources
from radcds_gateway.fhir.search_conditions import (
    can_drive,
    compartment_condition,
    filter_condition,
)
from radcds_gateway.fhir.search_request import Filter, Include, SearchRequest
from radcds_gateway.fhir.stored import StoredResource

MAX_INCLUDED = 1000
COLUMNS = (
    resources.c.resource_type,
    resources.c.resource_id,
    resources.c.version_id,
    resources.c.last_updated,
    resources.c.deleted,
    resources.c.body,
)
SORT_COLUMNS = {
    "string": "value",
    "token": "code",
    "date": "low",
    "quantity": "value",
    "number": "value",
    "uri": "value",
}


@dataclass
class SearchResult:
    total: int
    matches: list[StoredResource] = field(default_factory=list)
    included: list[StoredResource] = field(default_factory=list)


# Filter kinds by how few resources a value usually matches, most selective first.
SELECTIVITY = ("reference", "token", "uri", "string", "date", "quantity", "number")


def _driving_filter(filters: list[Filter]) -> Filter | None:
    candidates = [f for f in filters if can_drive(f)]
    if not candidates:
        return None
    return min(candidates, key=lambda f: SELECTIVITY.index(f.kind))


def _stored(rows: Any) -> list[StoredResource]:
    return [StoredResource(*row) for row in rows]


class SearchEngine:
    def __init__(self, definitions: SearchDefinitions) -> None:
        self.definitions = definitions

    def run(self, connection: Connection, request: SearchRequest) -> SearchResult:
        conditions = self._conditions(request)
        counted = select(func.count()).select_from(resources).where(*conditions)
        total = connection.execute(counted).scalar_one()
        if request.summary_count or request.count == 0:
            return SearchResult(total)
        query = select(*COLUMNS).where(*conditions)
        query = self._order(query, request).limit(request.count).offset(request.offset)
        result = SearchResult(total, _stored(connection.execute(query)))
        if result.matches:
            result.included = self._included(connection, request, result.matches)
        return result

    def _conditions(self, request: SearchRequest) -> list[ColumnElement[bool]]:
        """The match conditions. The most selective index filter drives the query; the
        resource type is compared directly only when none does, since SQLite would then
        walk every resource of the type in _lastUpdated order."""
        rtype = request.resource_type
        driver = _driving_filter(request.filters)
        conditions: list[ColumnElement[bool]] = [resources.c.deleted.is_(False)]
        conditions += [filter_condition(rtype, f, f is driver) for f in request.filters]
        compartment_drives = False
        if request.compartment_patient is not None:
            params = self.definitions.patient_compartment.get(rtype, ())
            compartment_drives = driver is None and rtype != "Patient" and bool(params)
            patient = request.compartment_patient
            conditions.append(compartment_condition(rtype, params, patient, compartment_drives))
        if driver is None and not compartment_drives:
            conditions.append(resources.c.resource_type == rtype)
        return conditions

    def _order(self, query: Select[Any], request: SearchRequest) -> Select[Any]:
        keys: list[ColumnElement[Any]] = []
        for code, descending in request.sort:
            column = self._sort_column(request.resource_type, code, descending)
            keys.append(column.desc() if descending else column.asc())
        return query.order_by(*keys, resources.c.last_updated, resources.c.resource_id)

    def _sort_column(self, resource_type: str, code: str, descending: bool) -> ColumnElement[Any]:
        if code == "_id":
            return resources.c.resource_id
        if code == "_lastUpdated":
            return resources.c.last_updated
        kind = self.definitions.params(resource_type)[code].type
        table = INDEX_TABLES["quantity" if kind == "number" else kind]
        value = table.c["high" if kind == "date" and descending else SORT_COLUMNS[kind]]
        aggregate = func.max(value) if descending else func.min(value)
        return (
            select(aggregate)
            .where(
                table.c.resource_type == resource_type,
                table.c.resource_id == resources.c.resource_id,
                table.c.param == code,
            )
            .scalar_subquery()
        )

    def _included(
        self, connection: Connection, request: SearchRequest, matches: list[StoredResource]
    ) -> list[StoredResource]:
        seen = {(m.resource_type, m.resource_id) for m in matches}
        found: list[StoredResource] = []
        ids = [m.resource_id for m in matches]
        for include in request.includes:
            if include.source_type == request.resource_type:
                found += self._forward(connection, include, ids)
        for include in request.revincludes:
            found += self._reverse(connection, include, request.resource_type, ids)
        unique: list[StoredResource] = []
        for item in found:
            if (item.resource_type, item.resource_id) not in seen:
                seen.add((item.resource_type, item.resource_id))
                unique.append(item)
        return unique[:MAX_INCLUDED]

    def _forward(
        self, connection: Connection, include: Include, ids: list[str]
    ) -> list[StoredResource]:
        refs = INDEX_TABLES["reference"]
        targets = select(refs.c.target_type, refs.c.target_id).where(
            refs.c.resource_type == include.source_type,
            refs.c.param == include.param,
            refs.c.resource_id.in_(ids),
            refs.c.target_id.is_not(None),
        )
        if include.target_type:
            targets = targets.where(refs.c.target_type == include.target_type)
        keys = list({(row.target_type, row.target_id) for row in connection.execute(targets)})
        if not keys:
            return []
        query = select(*COLUMNS).where(
            tuple_(resources.c.resource_type, resources.c.resource_id).in_(keys[:MAX_INCLUDED]),
            resources.c.deleted.is_(False),
        )
        return _stored(connection.execute(query))

    def _reverse(
        self, connection: Connection, include: Include, target_type: str, ids: list[str]
    ) -> list[StoredResource]:
        refs = INDEX_TABLES["reference"]
        owners = select(refs.c.resource_id).where(
            refs.c.resource_type == include.source_type,
            refs.c.param == include.param,
            refs.c.target_type == target_type,
            refs.c.target_id.in_(ids),
        )
        query = (
            select(*COLUMNS)
            .where(
                resources.c.resource_type == include.source_type,
                resources.c.resource_id.in_(owners),
                resources.c.deleted.is_(False),
            )
            .limit(MAX_INCLUDED)
        )
        return _stored(connection.execute(query))
