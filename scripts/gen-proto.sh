#!/usr/bin/env bash
# Regenerates libs/radcds-proto from protos/: messages, gRPC stubs and their .pyi
# (mypy-protobuf). The output is committed; CI regenerates it and fails on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."
out=libs/radcds-proto/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t protos < <(cd protos && find radcds -name '*.proto' | sort)
(cd protos && uv run --frozen python -m grpc_tools.protoc -I . \
  --python_out="$work" --grpc_python_out="$work" \
  --mypy_out="$work" --mypy_grpc_out="$work" "${protos[@]}") >/dev/null
# Regular packages, so that mypy and importers agree on what radcds.* is.
find "$work/radcds" -type d -exec touch {}/__init__.py \;
touch "$work/radcds/py.typed"
# Swapped in whole, so that an editable install never sees the package missing for long.
rm -rf "$out/radcds.old"
[ -d "$out/radcds" ] && mv "$out/radcds" "$out/radcds.old"
mv "$work/radcds" "$out/radcds"
rm -rf "$out/radcds.old"
