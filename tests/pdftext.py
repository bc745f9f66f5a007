"""Reading text back out of the built PDFs, as a reader's copy-paste would get it."""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber

_SPACE = re.compile(r"\s+")


def page_lines(path: Path) -> list[list[str]]:
    """Text lines of each page, in reading order (pdfplumber adds no space at small gaps)."""
    with pdfplumber.open(path) as pdf:
        return [(page.extract_text() or "").splitlines() for page in pdf.pages]


def body_text(path: Path, furniture: set[str]) -> str:
    """All text with folios and running heads (lines in `furniture`) removed, whitespace dropped."""
    kept = []
    for lines in page_lines(path):
        for line in lines:
            stripped = line.strip()
            if stripped.isdigit() or stripped in furniture:
                continue
            kept.append(stripped)
    return _SPACE.sub("", "".join(kept))


def squash(text: str) -> str:
    """Text without whitespace and zero-width marks, for comparing across line breaks."""
    return _SPACE.sub("", text.replace("\u200b", "").replace("\u2060", ""))


def assert_in_order(haystack: str, needles: list[str]) -> None:
    """Every needle occurs in `haystack`, each after the previous one."""
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found >= 0, f"not found (in order) after offset {position}: {needle[:30]}…"
        position = found + len(needle)
