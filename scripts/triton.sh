#!/usr/bin/env bash
# Installs and runs NVIDIA Triton Inference Server on the CPU, from the nvidia-pytriton wheel,
# with the repository's model repository (models/). Development and tests only: production
# runs Triton's official image on GPU nodes (models/README.md).
#
#   scripts/triton.sh install
#   scripts/triton.sh run   [--http-port H] [--grpc-port G] [--metrics-port M] [--models DIR]
#   scripts/triton.sh start [same options] --pid-file FILE [--log FILE]
#   scripts/triton.sh stop  --pid-file FILE
#
# install puts the wheel into its own environment under .tools/triton-wheel (nvidia-pytriton
# pins numpy<2, which the workspace cannot take, and only its binaries are used), then lays out
# .tools/triton/tritonserver with the Python backend stub of the workspace's Python in
# backends/python/ (shared/recipes.md, "Triton on the CPU").
# run execs tritonserver in the foreground (its pid is the caller's child); start runs it in
# the background and waits until /v2/health/ready answers; stop sends SIGTERM and waits.
# The Python-backend models run in the stub with .tools/triton-models (numpy<2, ONNX Runtime).
#
# Environment: TRITON_WHEEL_VERSION, TRITON_PYTHON (the interpreter the stub embeds, whose
# version picks the stub; default .venv/bin/python), TRITON_START_TIMEOUT (seconds, default 60).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
version="${TRITON_WHEEL_VERSION:-0.7.0}"
tools="$repo/.tools"
wheel_env="$tools/triton-wheel"
work="$tools/triton"
python="${TRITON_PYTHON:-$repo/.venv/bin/python}"

die() { echo "triton.sh: $*" >&2; exit 1; }

py_version() { "$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'; }
py_libdir() { "$python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))'; }
wheel_site() { echo "$wheel_env/lib/python$(py_version)/site-packages"; }
# The Python the models run in: the stub is built against numpy 1.x, so the models get an
# environment of their own (numpy<2 and ONNX Runtime), as they would in Triton's image.
models_env="$tools/triton-models"
model_packages=("numpy==1.26.4" "onnxruntime==1.20.1")

install() {
  [[ -x "$python" ]] || die "no interpreter at $python (run: uv sync --all-packages)"
  local marker="$work/.installed-$version-py$(py_version)"
  if [[ -f "$marker" ]]; then echo "tritonserver already installed in $work"; return; fi
  if [[ ! -d "$(wheel_site)/pytriton/tritonserver" ]]; then
    uv venv -q --allow-existing --python "$python" "$wheel_env"
    uv pip install -q --python "$wheel_env/bin/python" --no-deps "nvidia-pytriton==$version"
  fi
  uv venv -q --allow-existing --python "$python" "$models_env"
  uv pip install -q --python "$models_env/bin/python" "${model_packages[@]}"
  local site stub
  site="$(wheel_site)"
  stub="$site/pytriton/tritonserver/python_backend_stubs/$(py_version)/triton_python_backend_stub"
  [[ -x "$stub" ]] || die "the wheel has no Python backend stub for Python $(py_version)"
  rm -rf "$work.tmp" && mkdir -p "$work.tmp"
  cp -a "$site/pytriton/tritonserver" "$work.tmp/tritonserver"
  cp "$stub" "$work.tmp/tritonserver/backends/python/"
  rm -rf "$work" && mv "$work.tmp" "$work"
  touch "$marker"
  echo "tritonserver installed in $work/tritonserver"
}

parse_ports() {
  http=8000 grpc=8001 metrics=8002 models="$repo/models" pid_file="" log=/dev/null
  while (($#)); do
    case "$1" in
      --http-port) http="$2"; shift 2 ;;
      --grpc-port) grpc="$2"; shift 2 ;;
      --metrics-port) metrics="$2"; shift 2 ;;
      --models) models="$2"; shift 2 ;;
      --pid-file) pid_file="$2"; shift 2 ;;
      --log) log="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
}

run() {
  parse_ports "$@"
  [[ -x "$work/tritonserver/bin/tritonserver" ]] || die "not installed: scripts/triton.sh install"
  local site
  site="$(wheel_site)"
  export LD_LIBRARY_PATH="$site/nvidia_pytriton.libs:$(py_libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$models_env/bin:$PATH"
  # Explicit control: load each top-level folder with a config.pbtxt, so that models/gpu and
  # models/training sit beside the models without being taken for models.
  local loads=() config
  for config in "$models"/*/config.pbtxt; do
    [[ -e "$config" ]] && loads+=("--load-model=$(basename "$(dirname "$config")")")
  done
  exec "$work/tritonserver/bin/tritonserver" \
    --model-repository="$models" \
    --backend-directory="$work/tritonserver/backends" \
    --http-address=127.0.0.1 --http-port="$http" \
    --grpc-address=127.0.0.1 --grpc-port="$grpc" \
    --allow-metrics=true --metrics-address=127.0.0.1 --metrics-port="$metrics" \
    --model-control-mode=explicit "${loads[@]}" \
    --exit-timeout-secs=5 --log-verbose=0
}

start() {
  parse_ports "$@"
  [[ -n "$pid_file" ]] || die "start needs --pid-file"
  "$0" run "$@" >>"$log" 2>&1 &
  echo $! >"$pid_file"
  local deadline=$((SECONDS + ${TRITON_START_TIMEOUT:-60}))
  until curl -sf "http://127.0.0.1:$http/v2/health/ready" >/dev/null; do
    kill -0 "$(cat "$pid_file")" 2>/dev/null || die "tritonserver exited; see $log"
    ((SECONDS < deadline)) || die "tritonserver not ready within ${TRITON_START_TIMEOUT:-60} s"
    sleep 0.1
  done
  echo "tritonserver ready: http $http, grpc $grpc, metrics $metrics"
}

stop() {
  parse_ports "$@"
  [[ -n "$pid_file" && -f "$pid_file" ]] || die "stop needs an existing --pid-file"
  local pid
  pid="$(cat "$pid_file")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$pid_file"
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: triton.sh install | run | start | stop (see the header)" ;;
esac
