"""Footnotes in the laid-out PDF editions: where each call fell, the marks of page numbering,
and the link from each call to its note in the tagged handout.

Reads WeasyPrint's page boxes, as `pages` and `structure` do (WeasyPrint 70.x): a footnote
`<fn id="fn-ID">` leaves a box named ``fn::footnote-call`` in the line that calls it.
"""
from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from ..contract import FOOTNOTE_CALL
from ..layout.notes import page_marks
from . import boxes

CALL = FOOTNOTE_CALL
# A layout whose marks are not yet those of its pages is laid out again; they settle at once
# (every circled number has one advance), the bound only guards against a loop.
MAX_LAYOUTS = 3


def calls(document: Any) -> list[tuple[str, int]]:
    """(note id, page index) of every footnote call, in reading order."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for box in boxes.page_box(page).descendants():
            if (getattr(box, "element_tag", None) == CALL and box.element is not None
                    and "cont" not in (box.element.get("class") or "").split()):  # a long note's later part
                found.setdefault(box.element.get("id", "").removeprefix("fn-"), index)
    return list(found.items())


def settle_marks(render: Callable[[dict[str, str]], str], lay_out: Callable[[str], Any],
                 initial: dict[str, str], decisions: MutableMapping[str, dict[str, str]] | None = None,
                 key: str = "") -> tuple[str, Any]:
    """The HTML and its layout with each note marked ①②③ from the first on its page.

    `render(marks)` makes the edition's HTML, `lay_out(html)` a Document. The first layout uses
    `initial` (or the marks `decisions` kept under `key` from an earlier build of the same HTML).
    """
    marks = dict((decisions or {}).get(key, initial))
    html, document = "", None
    for _ in range(MAX_LAYOUTS):
        html = render(marks)
        document = lay_out(html)
        found = page_marks(calls(document))
        if found == marks:
            break
        marks = found
    if decisions is not None and key:
        decisions[key] = marks
    return html, document


def link_calls(document: Any) -> int:
    """Give each footnote call a link to its note (PDF/UA: the call is a Link; return how many).

    WeasyPrint links only <a> elements; the call is a pseudo-element of the note, so its link is
    added to the laid-out page as WeasyPrint's own anchors module would add it.
    """
    added = 0
    for page in document.pages:
        for box in boxes.page_box(page).descendants():
            if (getattr(box, "element_tag", None) == CALL and boxes.is_inline(box)
                    and box.children and box.element is not None):
                x, y, width, height = box.hit_area()
                page.links.append(("internal", box.element.get("id"), (x, y, x + width, y + height), box))
                added += 1
    return added
