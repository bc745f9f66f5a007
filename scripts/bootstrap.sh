#!/usr/bin/env bash
# Installs what huozi needs on a Debian machine (run as root) and builds the book into dist/.
#   bash scripts/bootstrap.sh            install what is missing, then build dist/
#   bash scripts/bootstrap.sh --no-build install only (used by scripts/test.sh and CI)
#   bash scripts/bootstrap.sh --bench    also what bench/bench.py compares with (Pandoc, Typst)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=false
[ "${1:-}" = "--bench" ] && bench=true

# Debian packages: Pango for WeasyPrint, the CJK fonts, HarfBuzz's subsetter (fonts subset in
# well under a second instead of >10 s with fontTools), poppler and qpdf for the PDF checks,
# a JRE for EPUBCheck, Ghostscript's ICC profiles for the print PDF's PDF/X output intent,
# Chromium and Node.js for DAISY Ace (and the tests' font check), DejaVu for a browser with no CJK font.
# AR PL UKai (fonts-arphic-ukai): a real Kai face for quotations; DejaVu Serif also sets italic Latin emphasis.
# Fallback fonts behind Noto CJK so no character is an empty box: 花園明朝 A/B for the CJK
# extensions (U+20000 …) and Noto Color Emoji for emoji and flags.
DEB_PACKAGES=(
  fontconfig fonts-noto-cjk fonts-hanazono fonts-noto-color-emoji libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
  poppler-utils qpdf default-jre-headless libgs-common chromium fonts-dejavu-core fonts-arphic-ukai
)
# The benchmark's reference, Pandoc -> WeasyPrint: only when the benchmark is asked for.
if $bench; then
  DEB_PACKAGES+=(pandoc)
fi
# Node.js: Debian's nodejs and npm, unless a Node.js that brings its own npm is installed.
command -v node >/dev/null 2>&1 || DEB_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || DEB_PACKAGES+=(npm)

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
extras=test
$bench && extras=test,bench
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi
# huozi's own bytecode, as pip writes it for an installed package: where PYTHONDONTWRITEBYTECODE
# is set (CI images, this one), an editable install would otherwise compile every module on every
# run (50 ms of a 0.13 s no-op build).
env -u SOURCE_DATE_EPOCH .venv/bin/python -m compileall -q src >/dev/null

# DAISY Ace (the EPUB accessibility checker) in .tools/ace, driving Debian's Chromium through
# Puppeteer: no browser download. @daisy/ace-cli is @daisy/ace without its Electron runner.
ACE_VERSION=1.4.6
if [ ! -x .tools/ace/node_modules/.bin/ace-cli ] || \
   ! grep -qs "\"version\": \"$ACE_VERSION\"" .tools/ace/node_modules/@daisy/ace-cli/package.json; then
  echo "bootstrap: installing DAISY Ace $ACE_VERSION into .tools/ace"
  mkdir -p .tools/ace
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix .tools/ace \
    "@daisy/ace-cli@$ACE_VERSION" >/dev/null
fi

# axe-core, the accessibility engine the html edition's browser tests inject into every page.
AXE_VERSION=4.14.1
if ! grep -qs "\"version\": \"$AXE_VERSION\"" .tools/axe/node_modules/axe-core/package.json; then
  echo "bootstrap: installing axe-core $AXE_VERSION into .tools/axe"
  mkdir -p .tools/axe
  npm install --silent --no-audit --no-fund --prefix .tools/axe "axe-core@$AXE_VERSION" >/dev/null
fi

if [ "${1:-}" != "--no-build" ] && ! $bench; then
  .venv/bin/huozi build . --out dist
fi
