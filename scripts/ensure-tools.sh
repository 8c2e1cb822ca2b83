# Installs what building and testing Jalon needs, when it is missing. Sourced by run.sh and
# test.sh; safe to run again: installed tools are reused (they live outside the clone, in
# ~/.cargo/bin and $JALON_TOOLS_DIR, so a fresh clone does not rebuild them).
#
#   ensure_build_tools   wasm target, trunk, wasm-bindgen-cli (= Cargo.lock), wasm-opt
#   ensure_browser       Debian's chromium and chromium-driver
#   ensure_e2e_deps      @playwright/test and axe-core for tests/e2e (never downloads a browser)

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
JALON_TOOLS_DIR="${JALON_TOOLS_DIR:-$HOME/.cache/jalon-tools}"
export PATH="$HOME/.cargo/bin:$JALON_TOOLS_DIR/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

wasm_bindgen_version() {
  # The version of the wasm-bindgen crate locked in Cargo.lock.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_build_tools() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup first (https://rustup.rs)." >&2
    return 1
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    step "Installing trunk $TRUNK_VERSION (compiles from source: about 10 minutes on 2 cores)"
    cargo install trunk --locked --version "$TRUNK_VERSION"
  fi

  local wbg
  wbg="$(wasm_bindgen_version)"
  if [ -z "$wbg" ]; then
    echo "cannot read the wasm-bindgen version from Cargo.lock" >&2
    return 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
    step "Installing wasm-bindgen-cli $wbg (about 3 minutes)"
    # Not --locked: its lock file names a webpki-roots release the registry no longer has.
    cargo install wasm-bindgen-cli --version "$wbg" --force
  fi

  if ! "$JALON_TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    step "Installing wasm-opt (npm binaryen@$BINARYEN_VERSION) into $JALON_TOOLS_DIR"
    mkdir -p "$JALON_TOOLS_DIR"
    [ -f "$JALON_TOOLS_DIR/package.json" ] || echo '{"private": true}' >"$JALON_TOOLS_DIR/package.json"
    npm install --prefix "$JALON_TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi
}

ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return 0
  fi
  step "Installing Debian's chromium and chromium-driver"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium chromium-driver
}

ensure_e2e_deps() {
  # Installed again whenever the lock file changed since the last install.
  local want have
  want="$(sha256sum tests/e2e/package-lock.json | cut -d' ' -f1)"
  have="$(cat tests/e2e/node_modules/.jalon-lock 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    step "Installing the end-to-end test dependencies (npm ci)"
    (cd tests/e2e && npm ci --no-audit --no-fund && echo "$want" >node_modules/.jalon-lock)
  fi
}
