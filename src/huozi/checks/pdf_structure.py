"""PDF structure: qpdf's own consistency check, and every font embedded and subset (pdffonts)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..config import Config
from ..errors import CheckError, SourceLocation
from .findings import Finding


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CheckError(f"{name} is not installed", hint=f"apt-get install {package}")
    return path


def check_qpdf(config: Config, path: Path) -> list[Finding]:
    """`qpdf --check`: exit 0 is clean, 3 is warnings, 2 is errors."""
    proc = subprocess.run([_tool("qpdf", "qpdf"), "--check", str(path)], capture_output=True, text=True,
                          check=False)
    if proc.returncode == 0:
        return []
    level = "warning" if proc.returncode == 3 else "error"
    text = (proc.stdout + proc.stderr).strip().splitlines()
    return [Finding("qpdf", level, line, SourceLocation(path)) for line in text
            if "WARNING" in line or "ERROR" in line.upper()] or [
        Finding("qpdf", level, f"qpdf --check exited {proc.returncode}", SourceLocation(path))]


def pdffonts_rows(path: Path) -> list[dict[str, str]]:
    """pdffonts' table as dicts (name, type, emb, sub, uni)."""
    proc = subprocess.run([_tool("pdffonts", "poppler-utils"), str(path)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise CheckError(f"pdffonts cannot read the PDF: {proc.stderr.strip()[:200]}", SourceLocation(path))
    out = proc.stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 7:
            rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def check_fonts(config: Config, path: Path) -> list[Finding]:
    """Every font embedded and subset; a PDF with no font at all is also wrong for a book."""
    try:
        rows = pdffonts_rows(path)
    except CheckError as exc:
        return [Finding("fonts", "error", exc.message, SourceLocation(path))]
    if not rows:
        return [Finding("fonts", "error", "the PDF has no fonts", SourceLocation(path))]
    findings = []
    for row in rows:
        if row["emb"] != "yes":
            findings.append(Finding("fonts", "error", f"font {row['name']} is not embedded", SourceLocation(path)))
        elif row["sub"] != "yes":
            findings.append(Finding("fonts", "warning", f"font {row['name']} is embedded whole, not subset",
                                    SourceLocation(path)))
    return findings
