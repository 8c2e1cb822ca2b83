#!/usr/bin/env bash
# Checks the server against its own description (`/api/openapi.json`) with Schemathesis:
# generated requests, valid and invalid, on every operation, as a référent, a supervisor and
# an administrator. A failure is an answer the description does not allow — a 5xx, an
# undocumented status, a body or a content type that does not match its schema.
#
# Runs a debug server (target/debug/jalon-server, built beforehand) on 127.0.0.1 with the demo
# data in a temporary folder. Schemathesis is installed at a pinned version in a virtualenv
# outside the clone ($JALON_TOOLS_DIR/st-venv). The seed is fixed so that CI is repeatable;
# JALON_FUZZ_SEED=random (or a number) explores other cases, JALON_FUZZ_EXAMPLES more of them.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
JALON_TOOLS_DIR="${JALON_TOOLS_DIR:-$HOME/.cache/jalon-tools}"
port="${JALON_FUZZ_PORT:-18486}"
seed="${JALON_FUZZ_SEED:-20261202}"
examples="${JALON_FUZZ_EXAMPLES:-20}"
venv="$JALON_TOOLS_DIR/st-venv"
server_bin="${JALON_SERVER_BIN:-target/debug/jalon-server}"

if [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
  echo "Installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  if ! python3 -m venv --clear "$venv"; then
    # Debian's own python3 keeps venv in a package of its own.
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q python3-venv
    python3 -m venv --clear "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

work="$(mktemp -d)"
JALON_PORT="$port" JALON_LISTEN="127.0.0.1:$port" JALON_DATA_DIR="$work/data" \
  JALON_SEED_DEMO=true "$server_bin" >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -sf "$base/api/health" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done
curl -sf "$base/api/health" >/dev/null || { echo "the server did not start" >&2; cat "$work/server.log"; exit 1; }

# Every token first: fuzzing the sign-in soon throttles this source address (429).
token() {
  local device
  device="$(python3 -c 'import uuid; print(uuid.uuid4())')"
  curl -sf -X POST "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"jalon-demo\",\"device_id\":\"$device\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
declare -A tokens
for account in arpe1 superviseur admin; do
  tokens[$account]="$(token "$account")"
done

seed_args=()
[ "$seed" = random ] || seed_args=(--seed "$seed")
failed=0
for account in arpe1 superviseur admin; do
  echo "Schemathesis as $account"
  # Sign-out would end the session the run works with.
  if ! (cd "$work" && "$venv/bin/st" run "$base/api/openapi.json" \
      -H "Authorization: Bearer ${tokens[$account]}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
      --exclude-path /api/auth/logout --exclude-path /api/auth/logout-all \
      --max-examples "$examples" "${seed_args[@]}" --no-color); then
    failed=1
  fi
done
if grep -q " ERROR " "$work/server.log"; then
  echo "The server logged errors while fuzzed:" >&2
  grep " ERROR " "$work/server.log" | head -20 >&2
  failed=1
fi
exit "$failed"
