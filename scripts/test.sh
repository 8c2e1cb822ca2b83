#!/usr/bin/env bash
# Runs every check and test of Jalon, installing what is missing first:
# formatting, clippy (warnings are errors), the Rust tests, the app's tests in headless
# Chromium, and the end-to-end tests against the real server serving the real built app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-tools.sh
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

ensure_build_tools
ensure_browser
ensure_e2e_deps
step "Fetching crates"
cargo fetch --locked

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native: domain, server)"
cargo clippy --locked -p jalon-domain -p jalon-server --all-targets -- -D warnings
step "clippy (wasm32: domain, app)"
cargo clippy --locked -p jalon-domain -p jalon-app --target wasm32-unknown-unknown --all-targets -- -D warnings

step "Rust tests (domain, server)"
cargo test --locked -p jalon-domain -p jalon-server 2>&1 | tee "$logs/rust.log"

step "App tests in headless Chromium (wasm-bindgen-test)"
cargo test --locked -p jalon-app --target wasm32-unknown-unknown 2>&1 | tee "$logs/wasm.log"

step "Building the app for the end-to-end tests"
trunk build --release
# The server they run is target/debug/jalon-server, which the Rust tests above built (their
# crash and go-live tests run it too); `cargo build` would compile it again for nothing (the
# tests' dev-dependencies give some crates other features).
test -x target/debug/jalon-server

step "The app's download within its budget (wasm + JS, brotli)"
node scripts/app-size.mjs dist

step "The API against its OpenAPI description (Schemathesis, as three roles)"
./scripts/api-fuzz.sh 2>&1 | tee "$logs/fuzz.txt"

step "End-to-end tests (Playwright, Debian's Chromium)"
(cd tests/e2e && npx playwright test) 2>&1 | tee "$logs/e2e.log"

step "The end-to-end server log names no person"
e2e_data="$(node -p 'require("os").tmpdir()')/jalon-e2e-${JALON_E2E_PORT:-18484}"
python3 tests/e2e/log-check.py "$e2e_data/jalon.sqlite3" "$e2e_data.log"

# One closing line for all the runners above (each one already failed the script on error).
sum() { { grep -hoE "$1" "$logs"/*.log || true; } | { grep -oE '[0-9]+' || true; } | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(( $(sum 'test result: ok\. [0-9]+ passed') + $(sum '^ +[0-9]+ passed') ))
failed=$(( $(sum '[0-9]+ failed;') + $(sum '^ +[0-9]+ failed') ))
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
