"""Print page numbers in the EPUB: find where each print page begins in the XHTML and mark it.

EPUB 3.3 section 7.4.1 (page-list) and DPUB-ARIA `doc-pagebreak`: a page break marker is an empty
element at the point in the text where the print page begins. The points come from the print
edition's real layout (`pdf.pages.read_page_texts`, as `pagetext.PageText`), aligned to the EPUB's text: both are the
same manuscript, so the first characters of a page occur in the EPUB text in the same order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ..pagetext import PageText, floats, normalise

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# A page that starts a block gets its marker before the block, not inside its first line.
# (Not before a list item: a list holds nothing but items, so that marker goes inside the item.)
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "header", "figure", "figcaption",
                    "div", "section", "article", "blockquote", "ul", "ol", "nav"})
WINDOW = 24  # characters of a page's text that must match the EPUB text to place its marker
SHORT_WINDOW = 6  # the fallback for a page that shares no long run with the EPUB


@dataclass(frozen=True)
class PageBreak:
    """A print page's marker: its label, the EPUB document that holds it and the marker's id."""

    number: str
    file_name: str
    anchor: str

    @property
    def href(self) -> str:
        return f"{self.file_name}#{self.anchor}"


@dataclass(frozen=True)
class _Char:
    """Where one character of the normalised text stream sits in a parsed document."""

    doc: int
    element: etree._Element
    in_tail: bool  # the character is in element.tail, not element.text
    offset: int  # index in that raw string


class _Stream:
    """The normalised text of a sequence of XHTML documents, with each character's place."""

    def __init__(self, trees: Sequence[etree._Element]) -> None:
        self.chars: list[_Char] = []
        self.text: list[str] = []
        self.first: dict[etree._Element, int] = {}  # element -> index of its first character
        for doc, root in enumerate(trees):
            body = root.find(f"{{{XHTML}}}body")
            self._walk(doc, body if body is not None else root)

    def _add(self, doc: int, element: etree._Element, in_tail: bool, raw: str | None) -> None:
        for offset, char in enumerate(raw or ""):
            if normalise(char):
                self.chars.append(_Char(doc, element, in_tail, offset))
                self.text.append(char)

    def _walk(self, doc: int, element: etree._Element) -> None:
        start = len(self.chars)
        self._add(doc, element, False, element.text)
        for child in element:
            # Text inside an SVG is drawn as an image in the PDF: it is on no print page. A figure
            # that print may float elsewhere on its page is left out of both texts (pdf.pages).
            # Hidden parts (the nav's page-list and landmarks) are on no page either.
            if (isinstance(child.tag, str) and etree.QName(child).localname != "svg" and not floats(child)
                    and child.get("hidden") is None):
                self._walk(doc, child)
            self._add(doc, child, True, child.tail)
        if len(self.chars) > start:
            self.first[element] = start


def _find(text: str, stream: str, cursor: int, window: int) -> int | None:
    """Stream index of the first run of `window` characters of `text` that occurs after `cursor`.

    Sliding over the page skips text the EPUB lacks (a print-only line, a figure label).
    """
    for start in range(len(text)):
        run = text[start:start + window]
        if len(run) < min(window, len(text)):
            break
        index = stream.find(run, cursor)
        if index >= 0:
            return index
    return None


def _locate(pages: Sequence[PageText], stream: str) -> list[int | None]:
    """Stream index where each page begins, or None for a page whose text is not in the EPUB.

    A long run must match first; a page with no long run in common with the EPUB (a title page
    laid out differently) is tried with a short one. Pages are searched in order, each from
    where the previous one began.
    """
    found: list[int | None] = []
    cursor = 0
    for page in pages:
        where = _find(page.text, stream, cursor, WINDOW)
        if where is None:
            where = _find(page.text, stream, cursor, SHORT_WINDOW)
        found.append(where)
        if where is not None:
            cursor = where
    return found


def _fill_blank(found: list[int | None], end: int) -> list[int]:
    """A page not found (blank, print-only) shares the marker place of the next page found."""
    filled, following = [], end
    for where in reversed(found):
        following = where if where is not None else following
        filled.append(following)
    return filled[::-1]


def _anchors(pages: Sequence[PageText]) -> list[str]:
    """`page-N` for each page; a label printed twice gets its position too, so ids stay unique."""
    seen: set[str] = set()
    anchors = []
    for position, page in enumerate(pages, 1):
        anchor = f"page-{page.number}" if page.number not in seen else f"page-{page.number}-{position}"
        seen.add(page.number)
        anchors.append(anchor)
    return anchors


def _marker(number: str, anchor: str) -> etree._Element:
    span = etree.Element(f"{{{XHTML}}}span", nsmap={"epub": EPUB_NS})
    span.set(f"{{{EPUB_NS}}}type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", anchor)
    span.set("aria-label", number)
    return span


def _block_start(stream: _Stream, char: _Char, index: int) -> etree._Element | None:
    """The outermost block element whose text begins at `index`, if any."""
    element = char.element.getparent() if char.in_tail else char.element
    chosen = None
    while element is not None and etree.QName(element).localname != "body":
        if stream.first.get(element) != index:
            break
        if etree.QName(element).localname in BLOCKS:
            chosen = element
        element = element.getparent()
    return chosen


def _insert(stream: _Stream, index: int, markers: Sequence[etree._Element],
            trees: Sequence[etree._Element]) -> None:
    """Put `markers` (in page order) at stream position `index`."""
    first = markers[0]
    if index >= len(stream.chars):  # after the last character: end of the last document
        body = trees[-1].find(f"{{{XHTML}}}body")
        (body if body is not None else trees[-1]).append(first)
    else:
        char = stream.chars[index]
        block = _block_start(stream, char, index)
        element = char.element
        if block is not None:
            block.addprevious(first)
        elif char.in_tail:
            first.tail, element.tail = element.tail[char.offset:], element.tail[:char.offset]
            element.addnext(first)
        else:
            first.tail, element.text = element.text[char.offset:], element.text[:char.offset]
            element.insert(0, first)
    for previous, marker in zip(markers, markers[1:]):  # blank pages: markers side by side
        marker.tail, previous.tail = previous.tail, None
        previous.addnext(marker)


def place_page_breaks(
    documents: Sequence[tuple[str, str]], pages: Sequence[PageText],
) -> tuple[tuple[str, ...], tuple[PageBreak, ...]]:
    """Insert a marker for each print page into (file name, XHTML) documents in reading order.

    Returns the new XHTML of each document and the page breaks in page order (for the page-list).
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    trees = [etree.fromstring(content.encode("utf-8"), parser) for _, content in documents]
    stream = _Stream(trees)
    places = _fill_blank(_locate(pages, "".join(stream.text)), len(stream.chars))
    breaks = []
    groups: dict[int, list[etree._Element]] = {}
    for page, index, anchor in zip(pages, places, _anchors(pages)):
        doc = stream.chars[index].doc if index < len(stream.chars) else len(documents) - 1
        breaks.append(PageBreak(page.number, documents[doc][0], anchor))
        groups.setdefault(index, []).append(_marker(page.number, anchor))
    # Later places first: an insertion never moves a character that an earlier place points at.
    for index in sorted(groups, reverse=True):
        _insert(stream, index, groups[index], trees)
    texts = tuple(_serialise(tree) for tree in trees)
    return texts, tuple(breaks)


def _serialise(root: etree._Element) -> str:
    body: str = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n' + body + "\n"
