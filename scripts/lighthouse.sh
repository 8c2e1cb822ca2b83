#!/usr/bin/env bash
# Lighthouse (npm `lighthouse`, pinned) against the built app served by the real release
# server with the demo data, on an emulated tablet (1024×768, touch, DPR 2) with Lighthouse's
# default throttling (simulated slow 4G, CPU slowed 4×). Prints the performance score and
# metrics of the sign-in page (what a tablet loads first); results go in BENCHMARKS.md. Not
# part of the test command. Installability is checked by the test command instead
# (`tests/e2e/install.spec.ts` asks Chromium): Lighthouse 12 dropped its PWA category.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-tools.sh
ensure_build_tools
ensure_browser

version=13.5.0
tools="$HOME/.cache/jalon-tools/lighthouse-$version"
if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  step "Installing lighthouse $version"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "lighthouse@$version"
fi

step "Building the app and the server (release)"
trunk build --release
cargo build --release --locked -p jalon-server

data="$(mktemp -d)"
port=18690
JALON_DATA_DIR="$data" JALON_PORT=$port JALON_LISTEN="127.0.0.1:$port" \
  JALON_DIST_DIR="$PWD/dist" RUST_LOG=warn ./target/release/jalon-server >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done

step "Lighthouse, emulated tablet, slow 4G (3 runs)"
for run in 1 2 3; do
  CHROME_PATH="$(command -v chromium)" "$tools/node_modules/.bin/lighthouse" \
    "http://127.0.0.1:$port/connexion" --quiet \
    --only-categories=performance,accessibility,best-practices \
    --form-factor=mobile --screenEmulation.mobile=true --screenEmulation.width=1024 \
    --screenEmulation.height=768 --screenEmulation.deviceScaleFactor=2 \
    --chrome-flags="--headless=new --no-sandbox" \
    --output=json --output-path="$data/lh-$run.json"
  node -e '
    const r = require(process.argv[1]);
    const a = (id) => r.audits[id].numericValue;
    const s = (id) => Math.round(r.categories[id].score * 100);
    console.log(`BENCH lighthouse run=${process.argv[2]} performance=${s("performance")} ` +
      `accessibility=${s("accessibility")} best_practices=${s("best-practices")} ` +
      `fcp_ms=${a("first-contentful-paint").toFixed(0)} lcp_ms=${a("largest-contentful-paint").toFixed(0)} ` +
      `tbt_ms=${a("total-blocking-time").toFixed(0)} speed_index_ms=${a("speed-index").toFixed(0)} ` +
      `cls=${a("cumulative-layout-shift").toFixed(3)} bytes=${a("total-byte-weight")}`);
  ' "$data/lh-$run.json" "$run"
done
