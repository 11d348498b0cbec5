#!/usr/bin/env bash
# Regenerates the gateway's vendored R4 search parameters from the official package.
# Needs npm (registry access) and uv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent hl7.fhir.r4.examples@4.0.1 >/dev/null && tar xzf hl7.fhir.r4.examples-4.0.1.tgz)
cd "$root"
uv run python services/gateway/scripts/vendor_fhir_definitions.py "$work/package" \
  services/gateway/src/radcds_gateway/fhir/definitions/r4-search-parameters.json
