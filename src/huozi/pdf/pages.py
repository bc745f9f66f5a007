"""The text of each laid-out page, read from WeasyPrint's boxes: where each printed page begins."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Characters a layout stage may add that are not the book's text (break opportunities, joiners).
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# Figures the print edition may move to the top or bottom of a page (figures.placement): their
# text is left out of the page text, as it is out of the EPUB's, so the two keep one order.
FLOATING = frozenset({"chart", "image"})
# Footnotes sit at the foot of a page in the PDFs and in asides at the article's end in the EPUB,
# and their calls' marks differ (by page, by article): notes and calls are left out of both texts.
NOTES = frozenset({"footnote", "noteref", "footnotes"})
FOLIO = re.compile(r"[0-9]+|[ivxlcdm]+|[IVXLCDM]+")
# What print repeats for the eye: a table's header on each page it crosses (with its 续表 line),
# and the caption and header of each further part of a turned table. The EPUB has them once.
REPEATED = "tbl-repeat"


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
    return (tag == "figure" and bool(classes & FLOATING)) or (tag in ("fn", "a", "aside", "section")
                                                               and bool(classes & NOTES))


def _texts(box: Any, tables: set[int]) -> list[str]:
    """The text of `box` and its descendants in tree (reading) order, floating figures and
    repeated table headers aside (`tables`: the table elements already met on earlier pages)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return [box.text]
    element = getattr(box, "element", None)
    if floats(element) and (getattr(box, "element_tag", None) or "").startswith(("figure", "fn")):
        return []
    if element is not None and REPEATED in (element.get("class") or "").split():
        return []
    children = list(getattr(box, "children", ()))
    if isinstance(box, boxes.TableBox) and element is not None:
        if id(element) in tables and children and children[0].is_header:
            children = children[1:]
        tables.add(id(element))
    return [text for child in children for text in _texts(child, tables)]


def read_page_texts(document: Any) -> tuple[PageText, ...]:
    """Each page's body text (margin boxes aside) and folio, from a rendered weasyprint.Document."""
    from weasyprint.formatting_structure import boxes

    pages = []
    tables: set[int] = set()
    for index, page in enumerate(document.pages, 1):
        body, margins = [], []
        for child in page._page_box.children:
            (margins if isinstance(child, boxes.MarginBox) else body).extend(_texts(child, tables))
        pages.append(PageText(_folio(margins, index), normalise("".join(body))))
    return tuple(pages)


def _folio(margins: list[str], index: int) -> str:
    """The page number printed in the margins (arabic or roman); a page without one keeps its position.

    A margin may also hold running heads: a number equal to the page's position wins over others.
    """
    numbers = [normalise(t) for t in margins if FOLIO.fullmatch(normalise(t))]
    if str(index) in numbers or not numbers:
        return str(index)
    return numbers[0]
