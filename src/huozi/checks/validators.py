"""Third-party validators: DAISY Ace on the EPUB, PyPI `pdfua` on the PDF/UA handout.

Each runs when installed; when it is not, `huozi check` says so with the command that installs
it (a "note", which fails nothing). Findings point at the manuscript line where they can: Ace
quotes the offending element, and huozi's XHTML carries each block's `data-line` and each
article's `data-src`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from ..config import Config
from ..contract import SOURCE_FILE, SOURCE_LINE
from ..errors import SourceLocation
from .findings import Finding

ACE_VERSION = "1.4.6"
ACE_INSTALL = (f"apt-get install chromium nodejs npm && PUPPETEER_SKIP_DOWNLOAD=1 npm install "
               f"--prefix .tools/ace @daisy/ace-cli@{ACE_VERSION}")
PDFUA_INSTALL = "pip install pdfua"
# axe-core's impact levels (Ace reports them too): critical and serious fail a check, moderate
# and minor warn.
IMPACT_LEVELS = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "warning"}
_DATA_LINE = re.compile(SOURCE_LINE + r'="(\d+)"')
_CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def _checkout() -> Path:
    """huozi's own source folder, where scripts/bootstrap.sh installs Ace (.tools/ace)."""
    return Path(__file__).resolve().parents[3]


def find_tool(variable: str, installed: str, project: Path | None = None) -> Path | None:
    """A tool's file: $VARIABLE when set (None if it names no file), else `.tools/INSTALLED` in the
    project or in huozi's checkout (where scripts/bootstrap.sh installs it)."""
    if os.environ.get(variable):
        path = Path(os.environ[variable])
        return path if path.is_file() else None
    for folder in [project, _checkout()]:
        if folder is not None and (folder / ".tools" / installed).is_file():
            return folder / ".tools" / installed
    return None


def find_ace(project: Path | None = None) -> Path | None:
    """The Ace command: $HUOZI_ACE, .tools/ace in the project or in huozi's checkout, or `ace` on PATH."""
    found = find_tool("HUOZI_ACE", "ace/node_modules/.bin/ace-cli", project)
    if found is not None or os.environ.get("HUOZI_ACE"):
        return found
    on_path = shutil.which("ace")
    return Path(on_path) if on_path else None


def find_chromium() -> str | None:
    """The browser Ace's Puppeteer runner drives: $PUPPETEER_EXECUTABLE_PATH or Debian's chromium."""
    if os.environ.get("PUPPETEER_EXECUTABLE_PATH"):
        return os.environ["PUPPETEER_EXECUTABLE_PATH"]
    return next((found for name in _CHROMIUM if (found := shutil.which(name))), None)


def ace_report(epub: Path, ace: Path, chromium: str, timeout: float = 600) -> dict:
    """Run Ace on `epub`; its report.json as a dict."""
    with tempfile.TemporaryDirectory(prefix="huozi-ace-") as out:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium, "PUPPETEER_SKIP_DOWNLOAD": "1",
               # Ace writes its logs and a cache under HOME; keep them in the temporary folder.
               "HOME": out}
        proc = subprocess.run([str(ace), "--silent", "--force", "--outdir", out, str(epub)],
                              capture_output=True, text=True, timeout=timeout, env=env, check=False)
        report = Path(out) / "report.json"
        if not report.is_file():
            raise RuntimeError(f"Ace wrote no report (exit {proc.returncode}): "
                               f"{(proc.stderr or proc.stdout).strip()[-400:]}")
        return json.loads(report.read_text(encoding="utf-8"))


def ace_violations(report: dict) -> list[dict]:
    """Each failed Ace assertion: document, rule, impact, description and the HTML it points at."""
    found = []
    for document in report.get("assertions", []):
        url = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            result = assertion.get("earl:result", {})
            if result.get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            found.append({"document": url, "rule": test.get("dct:title", ""),
                          "impact": test.get("earl:impact", ""),
                          "message": result.get("dct:description") or test.get("dct:description", ""),
                          "html": result.get("html", "")})
    return found


def _article_sources(epub: Path) -> dict[str, str]:
    """XHTML name inside the EPUB -> the manuscript file it was made from (its data-src)."""
    sources = {}
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if name.endswith(".xhtml"):
                found = re.search(SOURCE_FILE.encode() + rb'="([^"]+)"', archive.read(name))
                if found:
                    sources[name.rpartition("/")[2]] = found[1].decode()
    return sources


def _ace_where(config: Config, epub: Path, violation: dict, sources: dict[str, str]) -> SourceLocation:
    document = violation["document"]
    name = document.rpartition("/")[2]
    if name.endswith(".opf"):
        # The package metadata is made from book.toml.
        return SourceLocation(config.path)
    if name in sources:
        line = _DATA_LINE.search(violation["html"] or "")
        return SourceLocation(config.manuscript_dir / sources[name], int(line[1]) if line else None)
    return SourceLocation(Path(f"{epub}!/{document}"))


def run_ace(config: Config, path: Path) -> list[Finding]:
    """DAISY Ace on the EPUB; a note with the install command when Ace or Chromium is missing."""
    ace, chromium = find_ace(config.root), find_chromium()
    if ace is None or chromium is None:
        missing = "DAISY Ace" if ace is None else "Chromium (for DAISY Ace)"
        return [Finding("ace", "note", f"{missing} is not installed, so the EPUB was not checked for "
                        f"accessibility; install it with: {ACE_INSTALL}", SourceLocation(path), not_run=True)]
    try:
        report = ace_report(path, ace, chromium)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
        return [Finding("ace", "error", f"DAISY Ace failed to run: {exc}", SourceLocation(path))]
    return ace_findings(config, path, report)


def ace_findings(config: Config, path: Path, report: dict) -> list[Finding]:
    """Ace's violations as Findings, at the manuscript line (or book.toml) they come from."""
    sources = _article_sources(path)
    return [Finding("ace", IMPACT_LEVELS.get(v["impact"], "warning"),
                    f"{v['rule']} ({v['impact']}): {v['message']}", _ace_where(config, path, v, sources))
            for v in ace_violations(report)]


def run_pdfua(config: Config, path: Path) -> list[Finding]:
    """PyPI pdfua's PDF/UA-1 rules, and what it could not evaluate, on a tagged PDF."""
    try:
        import pdfua
    except ImportError:
        return [Finding("pdfua", "note", "pdfua is not installed, so its PDF/UA-1 rules were not run; "
                        f"install it with: {PDFUA_INSTALL}", SourceLocation(path), not_run=True)]
    try:
        report = pdfua.validate(str(path))
    except pdfua.PdfuaError as exc:
        return [Finding("pdfua", "error", f"pdfua cannot read the PDF: {exc}", SourceLocation(path))]
    findings = []
    for finding in report.findings:
        level = {"ERROR": "error", "WARNING": "warning"}.get(finding.severity.name, "note")
        findings.append(Finding("pdfua", level, f"{finding.rule_id}: {finding.message} "
                                f"({finding.location.describe()})", SourceLocation(path)))
    for outcome in report.skipped:
        findings.append(Finding("pdfua", "note", f"{outcome.rule_id} not evaluated: {outcome.skipped_reason}",
                                SourceLocation(path)))
    return findings


def is_tagged(path: Path) -> bool:
    """Whether the PDF claims to be tagged (the handout), so the PDF/UA checks apply."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return "/StructTreeRoot" in pdf.Root
