#!/usr/bin/env bash
# Installs everything radcds needs on a fresh Debian 12 machine, and nothing twice:
# Debian packages (Redis, PostgreSQL, dcmtk, Orthanc, dicom3tools, poppler, Chromium),
# uv and the Python workspace (uv.lock, frozen), the npm packages (buf, the FHIR R4
# examples) and Keycloak (Maven Central).
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  redis-server postgresql dcmtk orthanc orthanc-dicomweb dicom3tools poppler-utils chromium
  wrk
)

missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi

echo "bootstrap: syncing the Python workspace (uv.lock)"
uv sync --frozen --all-packages --quiet

if [ ! -x node_modules/.bin/buf ] || [ ! -d node_modules/hl7.fhir.r4.examples ]; then
  echo "bootstrap: installing npm packages (package-lock.json): buf, the FHIR R4 examples"
  npm ci --no-audit --no-fund --silent
fi

echo "bootstrap: Keycloak from Maven Central (once; needs a JDK 21 or newer)"
./scripts/keycloak.sh install >/dev/null
