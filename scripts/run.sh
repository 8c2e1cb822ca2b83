#!/usr/bin/env bash
# Installs what is missing, builds the app in release mode and starts Jalon on
# http://127.0.0.1:8080 (set JALON_PORT to change the port). The first start creates
# data/jalon.sqlite3 and seeds demo data; later starts reuse the tools and the data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-tools.sh

ensure_build_tools
step "Fetching crates"
cargo fetch --locked
step "Building the app (trunk build --release)"
trunk build --release
step "Building the server"
cargo build --release --locked -p jalon-server
step "Starting Jalon"
exec ./target/release/jalon-server
