"""SMART on FHIR scopes: parsing and enforcement per resource type and interaction.

Follows SMART App Launch 2.x, section "Scopes for requesting clinical data" (v2 scopes
`<context>/<type>.<cruds>`), and keeps the 1.0 forms `.read`, `.write` and `.*`.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Context = Literal["patient", "user", "system"]

# SMART 2.x: c = create; r = read, vread and instance history; u = update and patch;
# d = delete; s = search and type-level history.
INTERACTION_PERMISSION = {
    "create": "c",
    "read": "r",
    "vread": "r",
    "history": "r",
    "update": "u",
    "patch": "u",
    "delete": "d",
    "search": "s",
    "history-type": "s",
}
V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}

_SCOPE = re.compile(
    r"(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]*)"
    r"\.(?P<permissions>\*|read|write|c?r?u?d?s?)(?:\?(?P<query>.+))?"
)


@dataclass(frozen=True)
class ResourceScope:
    """One clinical-data scope, such as `patient/Observation.rs`."""

    context: Context
    resource_type: str
    permissions: frozenset[str]
    # SMART 2.x granular scopes (`?category=...`) narrow a scope by search parameters.
    query: str | None = None

    def grants(self, resource_type: str, interaction: str) -> bool:
        if self.query is not None:
            return False
        permission = INTERACTION_PERMISSION.get(interaction)
        type_matches = self.resource_type in ("*", resource_type)
        return type_matches and permission in self.permissions


def parse_resource_scope(scope: str) -> ResourceScope | None:
    match = _SCOPE.fullmatch(scope)
    if match is None or not match["permissions"]:
        return None
    permissions = V1_PERMISSIONS.get(match["permissions"], match["permissions"])
    context: Context = match["context"]  # type: ignore[assignment]
    return ResourceScope(context, match["type"], frozenset(permissions), match["query"])


@dataclass(frozen=True)
class SmartScopes:
    """The scopes a token was granted."""

    resource_scopes: tuple[ResourceScope, ...]
    other: frozenset[str]

    @classmethod
    def parse(cls, scope: str | Iterable[str]) -> "SmartScopes":
        names = scope.split() if isinstance(scope, str) else list(scope)
        parsed = [(name, parse_resource_scope(name)) for name in names]
        resource = tuple(s for _, s in parsed if s is not None)
        return cls(resource, frozenset(name for name, s in parsed if s is None))

    def allows(self, resource_type: str, interaction: str) -> bool:
        """Whether any scope grants the interaction on the type, in any context."""
        return any(s.grants(resource_type, interaction) for s in self.resource_scopes)

    def allows_beyond_patient(self, resource_type: str, interaction: str) -> bool:
        """Whether a user/ or system/ scope grants it, so no patient confines the request."""
        return any(
            s.context != "patient" and s.grants(resource_type, interaction)
            for s in self.resource_scopes
        )

    def without_context(self, context: Context) -> "SmartScopes":
        kept = tuple(s for s in self.resource_scopes if s.context != context)
        return SmartScopes(kept, self.other)

    def __contains__(self, name: object) -> bool:
        return name in self.other
