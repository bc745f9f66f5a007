"""Footnote marks: what each edition prints at a call and before its note.

`[footnotes] numbering = "page"` numbers ①②③ from each page's first note: a PDF edition
learns where its pages break only by laying the text out, so it lays out the articles that hold
notes with every mark set to PLACEHOLDER, reads the page of each call and sets the real marks.
Every circled number from ① to ㊿ has the same advance in the CJK faces, so the second layout
breaks where the first did (`pdf.notes` checks it). "article" numbers 1 2 3 through each
article and is known from the manuscript alone; so are the EPUB's marks (it has no pages).
"""
from __future__ import annotations

from collections.abc import Iterable

from ..manuscript.model import Manuscript

# ① to ⑳, ㉑ to ㉟, ㊱ to ㊿: the circled numbers Unicode has.
CIRCLED = ("".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(chr(c) for c in range(0x3251, 0x3260))
           + "".join(chr(c) for c in range(0x32B1, 0x32C0)))
PLACEHOLDER = CIRCLED[0]


def circled(number: int) -> str:
    """①, ②, … ㊿; past fifty (no circled form) the plain number."""
    return CIRCLED[number - 1] if 1 <= number <= len(CIRCLED) else str(number)


def article_marks(manuscript: Manuscript, numbering: str) -> dict[str, str]:
    """Note id -> mark, numbered through each article: 1 2 3 ("article") or ① ② ③ ("page")."""
    marks: dict[str, str] = {}
    for article in manuscript.articles:
        for number, note in enumerate(article.notes, 1):
            marks[note.target] = str(number) if numbering == "article" else circled(number)
    return marks


def placeholder_marks(manuscript: Manuscript) -> dict[str, str]:
    """Every note's mark as PLACEHOLDER: for the layout that finds the pages of the calls."""
    return {note.target: PLACEHOLDER for article in manuscript.articles for note in article.notes}


def page_marks(calls: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Note id -> ①②③ restarting on each page, from (note id, page) in reading order."""
    marks: dict[str, str] = {}
    counts: dict[int, int] = {}
    for note, page in calls:
        counts[page] = counts.get(page, 0) + 1
        marks[note] = circled(counts[page])
    return marks


def has_notes(manuscript: Manuscript) -> bool:
    return any(article.notes for article in manuscript.articles)
