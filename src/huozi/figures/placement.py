"""Print placement: a figure that falls mid-page goes to the top (or the bottom) of that page.

WeasyPrint 70 has no page floats (CSS GCPM `float: top`), so they are made as the pages are:
each page of an edition that floats figures is looked at as soon as it is laid out, and when a
figure (a data figure, or an image file shown as one) has text of the page both above and below
it, it is moved in the box tree before the page's first block (or after its last) and the page
is laid out again from where it began (pdf/weasy_patch.page_floats). The page keeps the same
content in a different order; the pages after it are laid out from what it left, so a move never
needs another layout of the book, and a figure the move pushes to a later page is looked at
there, as any other.

Only whole blocks of the figure's own section are passed over: a figure never leaves its section,
and it does not go before a block continued from the page before nor after one that goes on to
the next. Where the page begins with a block of the figure's section continued from the page
before and no move can bring the figure to an edge, the figure is taken out of the flow and set
above the page's text, in room the page's top padding leaves it (`PageFloats.top_float`): a top
float, as LaTeX and Typst set one. And a figure too tall for the rest of its page, which would
go to the next page and leave a hole at this one's foot, is set after the block that follows it
(of its section, not a figure) so that block fills the page (`PageFloats.deferred`): text passes
a float, as in LaTeX. What is a block and which blocks are figures comes from the manuscript:
the article's <section> children that are not its own lines (contract.SECTION_CHROME), in order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..contract import ARTICLE_CLASS, SECTION_CHROME
from ..manuscript.model import FigureRef, Image, Manuscript

Slot = tuple[int, int, int]  # (article, section, block) indexes in the Manuscript
# Layouts of one page a move may cost at most: a page's figures are all moved at once, and the
# page laid out again shows whether that left another one mid-page (text pulled up from the next
# page can come below a figure moved to the bottom).
MAX_TRIES = 3


def _block_elements(root: Any, manuscript: Manuscript) -> dict[Any, Slot] | None:
    """Map each element that renders a model block to its slot; None if the HTML does not match
    the model. An article element with no <section> is not mapped: a document that lays out a
    part of the book (pdf/segments.py) keeps the other articles' places with empty elements."""
    articles = [e for e in root.iter() if e.tag == "article" and ARTICLE_CLASS in e.get("class", "").split()]
    if len(articles) > len(manuscript.articles):
        return None
    slots: dict[Any, Slot] = {}
    for a, (element, article) in enumerate(zip(articles, manuscript.articles)):
        sections = [e for e in element if e.tag == "section"]
        if not sections:
            continue
        if len(sections) != len(article.sections):
            return None
        for s, (section_el, section) in enumerate(zip(sections, article.sections)):
            children = [c for c in section_el if not SECTION_CHROME & set(c.get("class", "").split())]
            if len(children) != len(section.blocks):
                return None
            slots.update({child: (a, s, b) for b, child in enumerate(children)})
    return slots


@dataclass(frozen=True)
class Move:
    """A figure's element moved before (`before`) or after the element `target` of its section."""

    figure: Any
    target: Any
    before: bool


@dataclass(frozen=True)
class PageFloats:
    """The blocks of one laid-out document and which of them are figures."""

    slots: dict[Any, Slot]     # block element -> its slot
    figures: frozenset[Any]    # the block elements that are figures: data figures and image files
    containers: frozenset[Any]  # the elements that hold blocks (their ancestors)

    def moves(self, blocks: Sequence[Any], first_continued: bool, last_continued: bool) -> list[Move]:
        """The moves for one page: `blocks` are the block elements laid out on it, in order, each
        once; the first may be continued from the page before, the last go on to the next."""
        if len(blocks) < 3:
            return []
        first, last = blocks[0], blocks[-1]
        found = []
        for element in blocks[1:-1]:
            if element not in self.figures:
                continue
            section = self.slots[element][:2]
            if not first_continued and self.slots[first][:2] == section:
                found.append(Move(element, first, True))
            elif not last_continued and self.slots[last][:2] == section:
                found.append(Move(element, last, False))
        return found

    def top_float(self, blocks: Sequence[Any], first_continued: bool) -> Any | None:
        """A figure of the page to set above the page's first block when no move can put it at an
        edge: the page begins with a block of the figure's own section continued from the page
        before (it cannot go before that block in the box tree, which would put it on the
        page before), and the figure has text of the page below it."""
        if not first_continued or len(blocks) < 3:
            return None
        section = self.slots[blocks[0]][:2]
        return next((element for element in blocks[1:-1]
                     if element in self.figures and self.slots[element][:2] == section), None)

    def deferred(self, figure: Any, following: Sequence[Any]) -> list[Move]:
        """The move that lets text fill a page a figure did not fit in the rest of (it would leave
        a hole there): the figure after the next block of its section, if that is not a figure
        (`following`: the figure's siblings after it, in order)."""
        if figure not in self.figures or not following:
            return []
        after = following[0]
        same = self.slots[after][:2] == self.slots[figure][:2]
        return [Move(figure, after, False)] if same and after not in self.figures else []

    @staticmethod
    def reordered(children: list[Any], element_of: Any, moves: Sequence[Move]) -> list[Any]:
        """A section's children (boxes) with `moves` applied: figures moved to the top keep their
        order before the target, as do those moved to the bottom after it."""
        children = list(children)

        def index(element: Any) -> int:
            return next(i for i, child in enumerate(children) if element_of(child) is element)

        for move in [m for m in moves if m.before] + [m for m in reversed(moves) if not m.before]:
            box = children.pop(index(move.figure))
            at = index(move.target)
            children.insert(at if move.before else at + 1, box)
        return children


def page_floats(root: Any, manuscript: Manuscript) -> PageFloats | None:
    """What a document whose HTML tree is `root` floats, or None when it has no figure, a data
    figure or an image file shown as one (contract.FLOATING), or its HTML does not match the
    manuscript (then nothing moves). A photo named without its image (`Photo`) stays in place."""
    slots = _block_elements(root, manuscript)
    if not slots:
        return None
    figures = frozenset(element for element, (a, s, b) in slots.items()
                        if isinstance(manuscript.articles[a].sections[s].blocks[b], (FigureRef, Image)))
    if not figures:
        return None
    parents = {child: parent for parent in root.iter() for child in parent}
    containers: set[Any] = set()
    for element in slots:
        parent = parents.get(element)
        while parent is not None and parent not in containers:
            containers.add(parent)
            parent = parents.get(parent)
    return PageFloats(slots, figures, frozenset(containers))
