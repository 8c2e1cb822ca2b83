#!/usr/bin/env bash
# Runs Jalon's benchmarks (not part of the test command) and prints lines starting with
# BENCH or the load generator's report. Results are recorded in BENCHMARKS.md.
#   1. bootstrap of 120,000 rows into IndexedDB vs a plain bulk insert, the list's reads of
#      them (kept in memory after the sync, and from IndexedDB in a tab opened later), the
#      search of the list of 1,500 people per keystroke and the dashboard (headless Chromium)
#   2. server throughput: pushes and pulls per second on loopback (release build, SQLite)
#   3. a pull of 100 changes end to end, applied in IndexedDB, a supervisor's first sync, the
#      exports of the list and of the FSE file, an order typed offline to its painted frame,
#      a person's file opened from the list, a supervisor's sync round with nothing new, and
#      the browser's memory with a supervisor's replica, end to end (Playwright, real app)
#   4. the randomized model test of sync over 10,000 schedules (JALON_MODEL_CASES to change)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-tools.sh
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
ensure_build_tools
ensure_browser
ensure_e2e_deps

step "Bootstrap of 120,000 rows, the list's reads of them, search of 1,500 people and the dashboard over twelve years (wasm, release)"
WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release --locked -p jalon-app \
  --target wasm32-unknown-unknown --features bench --test bench -- --nocapture 2>&1 | grep BENCH

step "Building the app and the server (release)"
trunk build --release
cargo build --release --locked -p jalon-server --example loadgen

step "Server throughput (8 clients, 10 s per phase)"
data="$(mktemp -d)"
port=18480
JALON_DATA_DIR="$data" JALON_PORT=$port RUST_LOG=warn ./target/release/jalon-server >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
./target/release/examples/loadgen "http://127.0.0.1:$port" 10 8
kill $server

step "Pull of 100 changes, search, a supervisor's first sync against a plain fetch-and-put, and the exports, end to end (Playwright)"
(cd tests/e2e && JALON_SERVER_BIN="$PWD/../../target/release/jalon-server" \
  npx playwright test --config bench.config.ts) 2>&1 | grep -E "BENCH|passed|failed"

step "Randomized model test of sync, ${JALON_MODEL_CASES:-10000} schedules (release)"
JALON_MODEL_CASES="${JALON_MODEL_CASES:-10000}" cargo test --release --locked -p jalon-server \
  --test model -- --nocapture 2>&1 | grep -E "MODEL|test result|panicked|JALON_MODEL_SEED"
