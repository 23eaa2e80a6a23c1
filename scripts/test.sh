#!/usr/bin/env bash
# The project's test command (README): installs the independent reference implementations the
# tests compare against, then runs every test. Works on a fresh machine with Rust, Node and Python.
set -euo pipefail
cd "$(dirname "$0")/.."

# snarkjs, circomlibjs, solc (pinned in tools/js/package-lock.json).
npm ci --prefix tools/js --no-audit --no-fund --loglevel=error

# open-iris 1.11.2 for the iris-code differential tests.
if [ -f tests/openiris/requirements.txt ]; then
  python3 -m pip install --quiet --disable-pip-version-check -r tests/openiris/requirements.txt
fi

cargo test --workspace --all-targets "$@"
