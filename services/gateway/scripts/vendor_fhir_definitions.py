"""Write the compact R4 search-parameter and patient-compartment file the gateway loads.

Input: the unpacked npm package hl7.fhir.r4.examples@4.0.1 (folder `package/`).
Run through scripts/fhir-vendor-definitions.sh, which fetches the package first.
"""

import json
import re
import sys
from pathlib import Path

SUPPORTED_TYPES = [
    "Patient",
    "Practitioner",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "AllergyIntolerance",
    "ServiceRequest",
    "ImagingStudy",
    "DiagnosticReport",
    "RiskAssessment",
    "Device",
    "Provenance",
    "AuditEvent",
    "DocumentReference",
    "Binary",
    "Endpoint",
    "Media",
]
INDEXED_KINDS = {"string", "token", "reference", "date", "number", "quantity", "uri"}
# Handled by the repository itself rather than through an index table.
NATIVE_PARAMS = {"_id", "_lastUpdated"}
RESOLVE_IS = re.compile(r"\.where\(resolve\(\) is (\w+)\)")


def split_union(expression: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in expression:
        depth += char == "("
        depth -= char == ")"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def parts_for(expression: str, resource_type: str, base: str) -> list[str]:
    kept = []
    for part in split_union(expression):
        root = part.lstrip("(")
        if root.startswith(f"{base}.") or root == base:
            rebased = part.replace(base, resource_type, 1)
            # fhirpathpy has no resolve(): the reference's own type prefix says the same.
            kept.append(RESOLVE_IS.sub(r".where(reference.startsWith('\1/'))", rebased))
    return kept


def search_parameters(package: Path) -> dict[str, list[dict[str, object]]]:
    bundle = json.loads((package / "Bundle-searchParams.json").read_text())
    by_type: dict[str, list[dict[str, object]]] = {t: [] for t in SUPPORTED_TYPES}
    for entry in bundle["entry"]:
        param = entry["resource"]
        if param["type"] not in INDEXED_KINDS or param["code"] in NATIVE_PARAMS:
            continue
        for base in param.get("base", []):
            targets = SUPPORTED_TYPES if base in ("Resource", "DomainResource") else [base]
            for resource_type in (t for t in targets if t in by_type):
                if base == "DomainResource" and resource_type == "Binary":
                    continue
                parts = parts_for(param.get("expression", ""), resource_type, base)
                if parts:
                    by_type[resource_type].append(
                        {
                            "code": param["code"],
                            "type": param["type"],
                            "expression": " | ".join(parts),
                            "target": sorted(param.get("target", [])),
                        }
                    )
    for params in by_type.values():
        params.sort(key=lambda p: str(p["code"]))
    return by_type


def patient_compartment(package: Path) -> dict[str, list[str]]:
    definition = json.loads((package / "CompartmentDefinition-patient.json").read_text())
    return {
        item["code"]: item["param"]
        for item in definition["resource"]
        if item["code"] in SUPPORTED_TYPES and item.get("param")
    }


def main(package: Path, output: Path) -> None:
    document = {
        "source": "hl7.fhir.r4.examples@4.0.1",
        "fhirVersion": "4.0.1",
        "searchParameters": search_parameters(package),
        "patientCompartment": patient_compartment(package),
    }
    output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
