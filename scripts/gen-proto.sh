#!/usr/bin/env bash
# Regenerates libs/radcds-proto from protos/: messages, gRPC stubs and their .pyi
# (mypy-protobuf). The output is committed; CI regenerates it and fails on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."
out=libs/radcds-proto/src
rm -rf "$out/radcds"
mkdir -p "$out"
mapfile -t protos < <(cd protos && find radcds -name '*.proto' | sort)
(cd protos && uv run --frozen python -m grpc_tools.protoc -I . \
  --python_out="../$out" --grpc_python_out="../$out" \
  --mypy_out="../$out" --mypy_grpc_out="../$out" "${protos[@]}")
# Regular packages, so that mypy and importers agree on what radcds.* is.
find "$out/radcds" -type d -exec touch {}/__init__.py \;
touch "$out/radcds/py.typed"
