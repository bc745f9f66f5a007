#!/usr/bin/env bash
# Installs what huozi needs on a Debian machine (run as root) and builds the book into dist/.
#   bash scripts/bootstrap.sh            install what is missing, then build dist/
#   bash scripts/bootstrap.sh --no-build install only (used by scripts/test.sh and CI)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Pango for WeasyPrint, the CJK fonts, HarfBuzz's subsetter (fonts subset in
# well under a second instead of >10 s with fontTools), poppler and qpdf for the PDF checks,
# a JRE for EPUBCheck, Ghostscript's ICC profiles for the print PDF's PDF/X output intent.
# AR PL UKai (a real Kai face) for quotations, DejaVu Serif for italic Latin emphasis.
DEB_PACKAGES=(
  fontconfig fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
  poppler-utils qpdf default-jre-headless libgs-common
  fonts-arphic-ukai fonts-dejavu-core
)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages in .venv; reinstalled only when pyproject.toml changes.
stamp=.venv/.huozi-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi

if [ "${1:-}" != "--no-build" ]; then
  .venv/bin/huozi build . --out dist
fi
