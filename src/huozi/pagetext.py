"""The text of a printed page, as the EPUB's page list reads it: neither a PDF nor an EPUB type.

The print edition's layout gives each page's `PageText` (pdf/pages.py reads it from the boxes);
the EPUB marks where each printed page begins (epub/pagebreaks.py). Both leave out, by the same
rule (`floats`), what the two editions place differently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import contract
from .text.chars import INVISIBLE


@dataclass(frozen=True)
class PageText:
    """One printed page: its folio (as printed, or its position) and its body text, in reading order."""

    number: str
    text: str


def normalise(text: str) -> str:
    """Text without white space or invisible layout characters, so PDF and EPUB text compare."""
    return "".join(c for c in text if not c.isspace() and c not in INVISIBLE)


def floats(element: Any) -> bool:
    """True for a figure the print layout may move away from its place in the text, and for a
    footnote or its call (PDF `fn`, EPUB noteref and aside)."""
    classes = set((element.get("class") or "").split()) if element is not None else set()
    tag = getattr(element, "tag", "")
    tag = tag.rpartition("}")[2] if isinstance(tag, str) else ""
    return (tag == "figure" and bool(classes & contract.FLOATING)) or (tag in ("fn", "a", "aside", "section")
                                                                        and bool(classes & contract.NOTES))


@dataclass(frozen=True)
class Pages:
    """A paged edition's layout as another process receives it: where each page begins
    (an `editions.Layout`; the laid-out Document itself stays in the process that made it)."""

    page_texts: tuple[PageText, ...]
