"""The text of each laid-out page, read from WeasyPrint's boxes: where each printed page begins.

(`PageText` itself is in the neutral `huozi.pagetext`: the EPUB reads it, and imports nothing of the PDFs.)
"""
from __future__ import annotations

import re
from typing import Any

from ..contract import REPEATED
from ..pagetext import PageText, floats, normalise
from . import boxes

FOLIO = re.compile(r"[0-9]+|[ivxlcdm]+|[IVXLCDM]+")


def _texts(box: Any, tables: set[int]) -> list[str]:
    """The text of `box` and its descendants in tree (reading) order, floating figures and
    repeated table headers aside (`tables`: the table elements already met on earlier pages)."""
    if boxes.is_text(box):
        return [box.text]
    element = getattr(box, "element", None)
    if floats(element) and (getattr(box, "element_tag", None) or "").startswith(("figure", "fn")):
        return []
    if element is not None and REPEATED in (element.get("class") or "").split():
        return []
    children = list(getattr(box, "children", ()))
    if boxes.is_table(box) and element is not None:
        if id(element) in tables and children and children[0].is_header:
            children = children[1:]
        tables.add(id(element))
    return [text for child in children for text in _texts(child, tables)]


def read_page_texts(document: Any) -> tuple[PageText, ...]:
    """Each page's body text (margin boxes aside) and folio, from a rendered weasyprint.Document."""
    pages = []
    tables: set[int] = set()
    for index, page in enumerate(document.pages, 1):
        body: list[str] = []
        margins: list[str] = []
        for child in boxes.page_box(page).children:
            (margins if boxes.is_margin(child) else body).extend(_texts(child, tables))
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
