"""The text of each laid-out page, read from WeasyPrint's boxes: where each printed page begins."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Characters a layout stage may add that are not the book's text (break opportunities, joiners).
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


@dataclass(frozen=True)
class PageText:
    """One printed page: its folio (as printed, or its position) and its body text, in reading order."""

    number: str
    text: str


def normalise(text: str) -> str:
    """Text without white space or invisible layout characters, so PDF and EPUB text compare."""
    return "".join(c for c in text if not c.isspace() and c not in INVISIBLE)


def _texts(box: Any) -> list[str]:
    from weasyprint.formatting_structure import boxes

    return [b.text for b in box.descendants() if isinstance(b, boxes.TextBox)]


def read_page_texts(document: Any) -> tuple[PageText, ...]:
    """Each page's body text (margin boxes aside) and folio, from a rendered weasyprint.Document."""
    from weasyprint.formatting_structure import boxes

    pages = []
    for index, page in enumerate(document.pages, 1):
        body, margins = [], []
        for child in page._page_box.children:
            (margins if isinstance(child, boxes.MarginBox) else body).extend(_texts(child))
        # The folio is the margin text that is a number; a page without one keeps its position.
        folios = [normalise(t) for t in margins if normalise(t).isdigit()]
        pages.append(PageText(folios[0] if folios else str(index), normalise("".join(body))))
    return tuple(pages)
