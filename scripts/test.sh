#!/usr/bin/env bash
# Runs the linters and the whole test suite (installing what is missing first, as scripts/bootstrap.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --no-build
# The habits that keep the code in one shape (pyproject.toml: [tool.ruff], [tool.mypy]).
.venv/bin/ruff check src tests bench
.venv/bin/mypy
# One worker per core; most tests wait on a build, a JVM, Node or Chromium.
exec .venv/bin/python -m pytest -q -n auto --dist loadfile "$@"
