"""The CapabilityStatement: exactly the types, interactions and parameters served."""

from typing import Any

import orjson

from radcds_gateway.fhir.definitions import SearchDefinitions

INTERACTIONS = ["read", "vread", "update", "delete", "history-instance", "create", "search-type"]


def _resource(resource_type: str, definitions: SearchDefinitions) -> dict[str, Any]:
    params = [
        {"name": "_id", "type": "token"},
        {"name": "_lastUpdated", "type": "date"},
        *({"name": p.code, "type": p.type} for p in definitions.params(resource_type).values()),
    ]
    references = [
        p.code for p in definitions.params(resource_type).values() if p.type == "reference"
    ]
    return {
        "type": resource_type,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchInclude": [f"{resource_type}:{code}" for code in references],
        "searchRevInclude": [
            f"{other}:{p.code}"
            for other in definitions.resource_types
            for p in definitions.params(other).values()
            if p.type == "reference" and (not p.targets or resource_type in p.targets)
        ],
        "searchParam": params,
    }


def capability_statement(definitions: SearchDefinitions, software_version: str, date: str) -> bytes:
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "radcds gateway", "version": software_version},
        "implementation": {"description": "radcds FHIR R4 repository"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "resource": [_resource(t, definitions) for t in definitions.resource_types],
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }
    return orjson.dumps(statement)
