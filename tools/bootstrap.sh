#!/usr/bin/env bash
# Idempotent set-up of everything RAT needs on a fresh machine that reaches only the package registries:
# a virtualenv with pinned Ape, node_modules (solc-js, anvil/forge/cast, OpenZeppelin, Chainlink), and a
# Solidity compiler that py-solc-x, ape-solidity and forge can all use. Each step is skipped when its inputs
# are unchanged since the last successful run (stamps in .cache/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SOLC_VERSION=$(sed -n 's/^  version: *//p' ape-config.yaml | head -1)
CACHE=$ROOT/.cache
mkdir -p "$CACHE/solc"

say() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[bootstrap] %s\033[0m\n' "$*" >&2; exit 1; }
stamp_ok() { [ -f "$CACHE/$1.stamp" ] && [ "$(cat "$CACHE/$1.stamp")" = "$2" ]; }
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' \
  || die "Python 3.11 or 3.12 is required (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11"
command -v node >/dev/null || die "Node.js 20+ is required (apt-get install nodejs npm)"
node -e 'process.exit(parseInt(process.versions.node) >= 18 ? 0 : 1)' || die "Node.js 18+ is required"

# 1. Python environment
PY_DIGEST=$(digest pyproject.toml constraints.txt)
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
if ! stamp_ok python "$PY_DIGEST"; then
  say "installing Python packages (pinned by constraints.txt)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
  echo "$PY_DIGEST" > "$CACHE/python.stamp"
fi

# 2. Node packages (lock file is authoritative)
NODE_DIGEST=$(digest package.json package-lock.json)
if [ ! -d node_modules ] || ! stamp_ok node "$NODE_DIGEST"; then
  say "installing node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$NODE_DIGEST" > "$CACHE/node.stamp"
fi
# The npm launchers (node_modules/.bin/forge ...) exit 0 whatever the tool returns, so a failing `forge test` would
# pass `make test`: tools/env.sh puts links to the platform binaries themselves first on PATH.
mkdir -p "$CACHE/bin"
for tool in anvil forge cast; do
  binary=$(ls node_modules/@foundry-rs/"$tool"-*/bin/"$tool" 2>/dev/null | head -n 1)
  [ -n "$binary" ] || die "no platform binary for $tool under node_modules/@foundry-rs; remove node_modules and retry"
  ln -sf "$ROOT/$binary" "$CACHE/bin/$tool"
  "$CACHE/bin/$tool" --version >/dev/null 2>&1 || die "$CACHE/bin/$tool does not run; remove node_modules and retry"
done

# 3. Solidity compiler: a native binary when one is available, the solc-js shim otherwise.
SOLC_BIN=$CACHE/solc/solc-v$SOLC_VERSION
native_ok() { "$1" --version 2>/dev/null | grep -q "Version: $SOLC_VERSION+"; }
if [ -x "$SOLC_BIN" ] && "$SOLC_BIN" --version 2>/dev/null | grep -q "Version: $SOLC_VERSION+"; then
  :
elif command -v solc >/dev/null && native_ok "$(command -v solc)"; then
  say "using native solc $SOLC_VERSION from PATH"
  ln -sf "$(command -v solc)" "$SOLC_BIN"
elif SOLCX_BINARY_PATH=$CACHE/solc timeout 60 .venv/bin/python -c \
    "import solcx; solcx.install_solc('$SOLC_VERSION', show_progress=False)" >/dev/null 2>&1 \
    && native_ok "$SOLC_BIN"; then
  say "installed native solc $SOLC_VERSION"
else
  say "no native solc $SOLC_VERSION reachable: using the solc-js shim (tools/solc-shim.js)"
  printf '#!/bin/sh\nexec node "%s/tools/solc-shim.js" "$@"\n' "$ROOT" > "$SOLC_BIN"
  chmod +x "$SOLC_BIN"
  native_ok "$SOLC_BIN" || die "the solc-js shim does not answer --version with $SOLC_VERSION; check node_modules/solc"
fi

# 4. Prometheus and promtool (Debian's `prometheus` package): the alert-rule unit tests and the real-Prometheus
# scrape test run them (tests/ops, tests/relayer/test_prometheus_scrape.py; they skip with the reason without them).
# Installed only as root on a Debian-like system; the package's own system service is stopped and disabled, because
# the tests start their own Prometheus on a free port with a throw-away data directory.
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Prometheus and promtool (apt-get install prometheus)"
    export DEBIAN_FRONTEND=noninteractive
    apt-cache show prometheus >/dev/null 2>&1 || apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
    else
      service prometheus stop >/dev/null 2>&1 || true
    fi
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  else
    say "promtool/prometheus not installed (needs root and apt-get): the Prometheus tests will be skipped"
  fi
fi
say "ready: $("$SOLC_BIN" --version | tail -1)"
