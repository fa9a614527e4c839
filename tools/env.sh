# Sourced by the Makefile: puts the project's tools first on PATH (.cache/bin: anvil, forge, cast; see bootstrap.sh) and points py-solc-x at .cache/solc.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/.venv/bin:$ROOT/.cache/bin:$ROOT/node_modules/.bin:$PATH"
export SOLCX_BINARY_PATH="$ROOT/.cache/solc"
