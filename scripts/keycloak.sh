#!/usr/bin/env bash
# Installs and runs Keycloak (the server distribution from Maven Central) for development and
# tests. Dev mode only: never a production deployment.
#
#   scripts/keycloak.sh install
#   scripts/keycloak.sh start --port P --data DIR [--management-port M] [--import FILE]...
#   scripts/keycloak.sh stop --data DIR
#
# install downloads org.keycloak:keycloak-quarkus-dist, checks its SHA-1, unpacks it under
# .tools/keycloak-<version>/ and runs the dev-mode build once, so that later starts skip it.
# start copies that install into DIR/home (its own build output, H2 database and log), copies
# the realm files into DIR/home/data/import, starts `kc.sh start-dev --import-realm` on
# 127.0.0.1:P and waits until every imported realm's .well-known answers. Without --import it
# imports deploy/keycloak/radcds-realm.json and the dev users in deploy/keycloak/dev/.
#
# Environment: KEYCLOAK_VERSION, KEYCLOAK_JAVA_HOME (a JDK >= 21; else the newest one found),
# KEYCLOAK_START_TIMEOUT (seconds), KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD (the master
# realm's bootstrap admin; dev-only defaults admin/admin), KEYCLOAK_HEAP (JVM heap options;
# by default Keycloak takes up to 70% of the machine's memory, too much beside parallel tests).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
version="${KEYCLOAK_VERSION:-26.7.3}"
tools="$repo/.tools"
install_dir="$tools/keycloak-$version"
dist_url="https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/$version"
dist_file="keycloak-quarkus-dist-$version.tar.gz"
# Build-time options of the dev profile; start must pass the same, or Keycloak rebuilds.
build_opts=(--db=dev-file --health-enabled=true)

die() { echo "keycloak.sh: $*" >&2; exit 1; }

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

find_java_home() {
  local candidate best="" best_major=0 major
  for candidate in ${KEYCLOAK_JAVA_HOME:-} ${JAVA_HOME:-} /usr/lib/jvm/* /opt/*/ /opt/java/*/; do
    [[ -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate")"
    [[ -n "$major" && "$major" -ge 21 ]] || continue
    if [[ -n "${KEYCLOAK_JAVA_HOME:-}" && "$candidate" == "$KEYCLOAK_JAVA_HOME" ]]; then
      echo "$candidate"; return
    fi
    if (( major > best_major )); then best="$candidate"; best_major=$major; fi
  done
  [[ -n "$best" ]] || die "no JDK >= 21 found; set KEYCLOAK_JAVA_HOME"
  echo "${best%/}"
}

download_dist() {
  local dir="$1"
  curl -sSfL --retry 3 -o "$dir/$dist_file" "$dist_url/$dist_file"
  local want got
  want="$(curl -sSfL --retry 3 "$dist_url/$dist_file.sha1" | cut -c1-40)"
  got="$(sha1sum "$dir/$dist_file" | cut -c1-40)"
  [[ "$want" == "$got" ]] || die "SHA-1 mismatch for $dist_file"
}

# One dev-mode start on a free port runs the build; kc.sh re-executes the server after it.
prebuild() {
  local home="$1" port log pid
  port="$(free_port)"
  log="$home/prebuild.log"
  JAVA_HOME="$(find_java_home)" setsid "$home/bin/kc.sh" start-dev "${build_opts[@]}" \
    --http-host=127.0.0.1 --http-port="$port" --http-management-port="$(free_port)" \
    >"$log" 2>&1 &
  pid=$!
  until grep -qs "Running the server in development mode" "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "dev-mode build failed"; }
    sleep 1
  done
  kill -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$home/data"
}

install() {
  [[ -f "$install_dir/.installed" ]] && return
  mkdir -p "$tools"
  exec 9>"$tools/keycloak-$version.lock"
  flock 9
  [[ -f "$install_dir/.installed" ]] && return
  local work
  work="$(mktemp -d "$tools/keycloak-$version.XXXXXX")"
  download_dist "$work"
  tar -xzf "$work/$dist_file" -C "$work"
  prebuild "$work/keycloak-$version"
  rm -rf "$install_dir"
  mv "$work/keycloak-$version" "$install_dir"
  rm -rf "$work"
  touch "$install_dir/.installed"
  echo "keycloak.sh: installed Keycloak $version in $install_dir" >&2
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# lib/lib holds the jars and is never written: hard links save 170 MB a copy where DIR is on
# the same file system as .tools.
make_home() {
  local home="$1"
  [[ -d "$home" ]] && return
  mkdir -p "$home/lib"
  local entry
  for entry in "$install_dir"/*; do
    [[ "$(basename "$entry")" == lib ]] || cp -a "$entry" "$home/"
  done
  cp -a "$install_dir/lib/app" "$install_dir/lib/quarkus" "$install_dir/lib/quarkus-run.jar" \
    "$home/lib/"
  cp -al "$install_dir/lib/lib" "$home/lib/lib" 2>/dev/null || cp -a "$install_dir/lib/lib" "$home/lib/lib"
}

realm_names() {
  local file
  for file in "$1"/*-realm.json; do basename "$file" -realm.json; done
}

wait_ready() {
  local base="$1" import_dir="$2" pid="$3" log="$4" deadline realm
  deadline=$((SECONDS + ${KEYCLOAK_START_TIMEOUT:-600}))
  for realm in $(realm_names "$import_dir"); do
    until curl -sf --max-time 5 -o /dev/null "$base/realms/$realm/.well-known/openid-configuration"; do
      kill -0 "$pid" 2>/dev/null || { tail -40 "$log" >&2; return 1; }
      (( SECONDS < deadline )) || { tail -40 "$log" >&2; return 1; }
      sleep 0.5
    done
  done
}

start() {
  local port="" data="" mgmt="" imports=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) port="$2"; shift 2 ;;
      --data) data="$2"; shift 2 ;;
      --management-port) mgmt="$2"; shift 2 ;;
      --import) imports+=("$2"); shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ -n "$port" && -n "$data" ]] || die "start needs --port P --data DIR"
  [[ ${#imports[@]} -gt 0 ]] ||
    imports=("$repo/deploy/keycloak/radcds-realm.json" "$repo"/deploy/keycloak/dev/*.json)
  mgmt="${mgmt:-$(free_port)}"
  if [[ -f "$data/keycloak.pid" ]] && kill -0 "$(cat "$data/keycloak.pid")" 2>/dev/null; then
    die "Keycloak is already running for $data"
  fi
  install
  mkdir -p "$data"
  data="$(cd "$data" && pwd)"
  local home="$data/home" log="$data/keycloak.log" started=$SECONDS
  make_home "$home"
  mkdir -p "$home/data/import"
  cp "${imports[@]}" "$home/data/import/"
  JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx1g}" \
    KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    JAVA_HOME="$(find_java_home)" setsid "$home/bin/kc.sh" start-dev --import-realm \
    "${build_opts[@]}" --http-host=127.0.0.1 --http-port="$port" \
    --http-management-port="$mgmt" >"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$data/keycloak.pid"
  if ! wait_ready "http://127.0.0.1:$port" "$home/data/import" "$pid" "$log"; then
    stop --data "$data"
    die "Keycloak did not become ready (log: $log)"
  fi
  echo "keycloak.sh: Keycloak $version ready on http://127.0.0.1:$port" \
    "(management $mgmt) in $((SECONDS - started)) s" >&2
}

stop() {
  [[ "${1:-}" == --data && -n "${2:-}" ]] || die "stop needs --data DIR"
  local pidfile="$2/keycloak.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: keycloak.sh install | start --port P --data DIR | stop --data DIR" ;;
esac
