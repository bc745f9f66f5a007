#!/usr/bin/env bash
# Runs the whole test suite (installing what is missing first, as scripts/bootstrap.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --no-build
exec .venv/bin/python -m pytest -q "$@"
