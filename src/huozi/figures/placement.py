"""Print placement: move a figure that fell mid-page to the top (or bottom) of that page.

WeasyPrint 70 has no page floats (CSS GCPM `float: top`), so an article with figures is laid out,
each figure that has text both above and below it on its page is moved in the model before the
first block of that page (or after the last), and the article is laid out again. The page keeps
the same content, only in a different order, so page breaks elsewhere mostly stay where they were.
Only whole blocks of the figure's own section move: a figure never leaves its section.

Every article opens on a right-hand page (print.css), and what a page holds depends only on the
page's side and the text before it in its article, never on the folio or the running head drawn
in the margins. So each article with figures is laid out alone (the edition's template with that
one article), not the whole book: placement costs a few pages per figure-bearing article, not two
layouts of the book, and its decisions are those the whole book's layout would give.

For the same reason the second look (a move can shift the pages after it) need not be a second
trial of the article: the book's own layout, made anyway, shows the same pages. `second_look`
applies the second looks already decided (kept under the hash of the article's HTML as the
first moved it, as a second trial would be), and `book_moves` takes the others on the book's
layout; only when that finds a move is the book laid out again.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from ..contract import ARTICLE_CLASS, SECTION_CHROME
from ..manuscript.model import FigureRef, Manuscript
from ..pdf import boxes

# Children of an article's <section> that are not blocks of the model (blocks.html.j2 `section`).

Slot = tuple[int, int, int]  # (article, section, block) indexes in the Manuscript
# Each pass is a layout of one article.
MAX_PASSES = 2


def _block_elements(root: Any, manuscript: Manuscript, shown: set[int] | None = None) -> dict[Any, Slot] | None:
    """Map each element that renders a model block to its slot; None if the HTML does not match the model.

    `shown`: the pages come from several documents (the book laid out a segment at a time,
    pdf/segments.py); only the articles of this one whose element is in `shown` (by id()) are mapped.
    """
    articles = [e for e in root.iter() if e.tag == "article" and ARTICLE_CLASS in e.get("class", "").split()]
    if len(articles) != len(manuscript.articles) if shown is None else len(articles) > len(manuscript.articles):
        return None
    slots: dict[Any, Slot] = {}
    for a, (element, article) in enumerate(zip(articles, manuscript.articles)):
        if shown is not None and id(element) not in shown:
            continue
        sections = [e for e in element if e.tag == "section"]
        if len(sections) != len(article.sections):
            return None
        for s, (section_el, section) in enumerate(zip(sections, article.sections)):
            children = [c for c in section_el if not SECTION_CHROME & set(c.get("class", "").split())]
            if len(children) != len(section.blocks):
                return None
            slots.update({child: (a, s, b) for b, child in enumerate(children)})
    return slots


def _page_blocks(page: Any, slots: dict[Any, Slot]) -> list[Any]:
    """The block elements laid out on `page`, in order, each once."""
    seen: dict[Any, None] = {}
    for box in boxes.page_box(page).descendants():
        if box.element in slots:
            seen.setdefault(box.element, None)
    return list(seen)


def _moves(document: Any, slots: dict[Any, Slot], manuscript: Manuscript) -> Iterator[tuple[Slot, Slot]]:
    """(figure slot, target slot) for every figure with text above and below it on its page."""
    pages = [_page_blocks(page, slots) for page in document.pages]
    for index, blocks in enumerate(pages):
        previous = set(pages[index - 1]) if index else set()
        following = set(pages[index + 1]) if index + 1 < len(pages) else set()
        for position, element in enumerate(blocks):
            a, s, b = slots[element]
            if not isinstance(manuscript.articles[a].sections[s].blocks[b], FigureRef):
                continue
            if position == 0 or position == len(blocks) - 1:
                continue  # already at the top or the bottom
            first, last = blocks[0], blocks[-1]
            if first not in previous and slots[first][:2] == (a, s):
                yield (a, s, b), slots[first]
            elif last not in following and slots[last][:2] == (a, s):
                yield (a, s, b), slots[last]


def _move(manuscript: Manuscript, source: Slot, target: Slot) -> Manuscript:
    """The manuscript with the block at `source` moved to `target` (same section)."""
    a, s, b = source
    article = manuscript.articles[a]
    section = article.sections[s]
    blocks = list(section.blocks)
    block = blocks.pop(b)
    blocks.insert(target[2], block)
    sections = list(article.sections)
    sections[s] = dataclasses.replace(section, blocks=tuple(blocks))
    articles = list(manuscript.articles)
    articles[a] = dataclasses.replace(article, sections=tuple(sections))
    return dataclasses.replace(manuscript, articles=tuple(articles))


def _trial_moves(document: Any, manuscript: Manuscript) -> list[tuple[Slot, Slot]]:
    roots: dict[int, Any] = {}             # the HTML tree of each document the pages come from
    shown: set[int] = set()                # the article elements laid out on the pages
    for page in document.pages:
        for box in boxes.page_box(page).descendants():
            element = box.element
            tag = getattr(element, "tag", None)
            if tag == "html":
                roots.setdefault(id(element), element)
            elif tag == "article":
                shown.add(id(element))
    slots: dict[Any, Slot] = {}
    for root in roots.values():
        found = _block_elements(root, manuscript, shown if len(roots) > 1 else None)
        if found is None:
            return []
        slots.update(found)
    return list(_moves(document, slots, manuscript)) if slots else []


def _key(salt: str, source: str) -> str:
    return hashlib.sha256(f"{salt}\0{source}".encode()).hexdigest()


def moves_from_json(data: Any) -> list[tuple[Slot, Slot]] | None:
    """Moves saved by an earlier process (pdf/kept.py), or None when they are not moves."""
    def slot(item: Any) -> bool:
        return isinstance(item, list) and len(item) == 3 and all(type(i) is int and i >= 0 for i in item)

    if not (isinstance(data, list) and all(isinstance(m, list) and len(m) == 2 and all(map(slot, m)) for m in data)):
        return None
    return [(tuple(source), tuple(target)) for source, target in data]


def _fits(moves: list[Any], article: Any) -> bool:
    """Whether every move is within one section of `article` (a kept decision always is)."""
    sections = article.sections
    return all(s == s2 < len(sections) and b < len(sections[s].blocks) and b2 < len(sections[s].blocks)
               for (_, s, b), (_, s2, b2) in moves)


def _apply(manuscript: Manuscript, index: int, moves: list[Any]) -> Manuscript:
    """Apply an article's moves (slots of the article laid out alone: article 0) to article `index`."""
    for (_, s, b), (_, s2, b2) in sorted(moves, reverse=True):
        manuscript = _move(manuscript, (index, s, b), (index, s2, b2))
    return manuscript


def second_look(written: Manuscript, placed: Manuscript, html: Callable[[Manuscript], str],
                decisions: MutableMapping[str, list[Any]], salt: str = "") -> tuple[Manuscript, dict[int, str]]:
    """After one pass of `float_figures`: the articles whose figures it moved get the second look
    already decided for them; returned with {article index: key} of those still to look at."""
    pending: dict[int, str] = {}
    for index, (before, after) in enumerate(zip(written.articles, placed.articles)):
        if before == after:
            continue                                 # nothing moved: a second look sees the same pages
        key = _key(salt, html(dataclasses.replace(placed, articles=(after,))))
        moves = decisions.get(key)
        if moves is None or not _fits(moves, after):
            pending[index] = key
        else:
            placed = _apply(placed, index, moves)
    return placed, pending


def _blocks(manuscript: Manuscript, articles: Iterable[int]) -> tuple[int, int]:
    """How many blocks these articles have, and the whole book."""
    sizes = [len(article.blocks) for article in manuscript.articles]
    return sum(sizes[index] for index in articles), sum(sizes)


def small_part(manuscript: Manuscript, articles: Iterable[int]) -> bool:
    """Whether these articles are under half of the book (by blocks): laid out alone, they cost
    less than the book laid out again."""
    part, whole = _blocks(manuscript, articles)
    return 2 * part < whole


def look_on_the_book(manuscript: Manuscript, articles: Iterable[int], pages_kept: bool) -> bool:
    """Whether the first look at these articles (those with figures and no decision kept) is
    cheaper taken on the book laid out once than on a trial of each alone.

    Where an earlier layout's pages are kept (pdf/segments.py), the book costs only its changed
    articles, so it wins when they are a small part of the book (an edit under watch). Where
    none are kept, it costs a whole layout, and the trials cost their articles' share of one plus
    a document each: it wins when they are two or more articles and at least three quarters of
    the book (by blocks), as in a cold build of a book whose every article has figures (print's
    two trials here took 1.3 times the book's one layout). One article alone is the cheaper look
    even when it is most of the book (this book's first article, edited, then a build: print laid
    out in 1.42 s by its trial, 1.58-1.90 s by the book)."""
    chosen = list(articles)
    if not chosen:
        return False
    if pages_kept:
        return small_part(manuscript, chosen)
    part, whole = _blocks(manuscript, chosen)
    return len(chosen) >= 2 and 4 * part >= 3 * whole


def with_figures(manuscript: Manuscript) -> list[int]:
    """The indexes of the articles that place a figure."""
    return [index for index, article in enumerate(manuscript.articles)
            if any(isinstance(block, FigureRef) for block in article.blocks)]


def second_trials(placed: Manuscript, pending: dict[int, str], html: Callable[[Manuscript], str],
                  lay_out: Callable[[str], tuple[Any, bool]],
                  decisions: MutableMapping[str, list[Any]]) -> tuple[Manuscript, dict[int, str]]:
    """The second look as a trial layout of each pending article alone, one per distinct HTML (a
    book that repeats an article pays once), when those articles are a small part of the book:
    then the trials cost less than laying the whole book out again. Else it is left to
    `book_moves`, on the book's own layout."""
    distinct = {key: index for index, key in sorted(pending.items(), reverse=True)}   # the first of each
    if not small_part(placed, distinct.values()):
        return placed, pending
    found: dict[str, list[Any]] = {}
    for key, index in distinct.items():
        alone = dataclasses.replace(placed, articles=(placed.articles[index],))
        document, cacheable = lay_out(html(alone))
        found[key] = _trial_moves(document, alone)
        del document                                  # a trial's boxes are not kept
        if cacheable:
            decisions[key] = found[key]
    for index, key in sorted(pending.items()):
        placed = _apply(placed, index, found[key])
    return placed, {}


def book_moves(document: Any, placed: Manuscript, pending: dict[int, str],
               decisions: MutableMapping[str, list[Any]] | None, cacheable: bool) -> Manuscript | None:
    """The second look of the `pending` articles, on the book's layout: the manuscript with their
    moves, or None when none moves (the book's layout stands). Each decision is kept under its key."""
    found: dict[int, list[Any]] = {index: [] for index in pending}
    for (a, s, b), (_, s2, b2) in _trial_moves(document, placed):
        if a in found:
            found[a].append(((0, s, b), (0, s2, b2)))
    moved = None
    for index, moves in found.items():
        if decisions is not None and cacheable:
            decisions[pending[index]] = moves
        if moves:
            moved = _apply(moved or placed, index, moves)
    return moved


def unlooked(manuscript: Manuscript, html: Callable[[Manuscript], str], decisions: Mapping[str, list[Any]],
             salt: str = "") -> dict[int, str]:
    """{article index: key} of the articles with figures that `float_figures` would lay out for a
    first look (no decision kept for the HTML they have alone)."""
    found: dict[int, str] = {}
    for index in with_figures(manuscript):
        article = manuscript.articles[index]
        key = _key(salt, html(dataclasses.replace(manuscript, articles=(article,))))
        moves = decisions.get(key)
        if moves is None or not _fits(moves, article):
            found[index] = key
    return found


def first_looks(document: Any, manuscript: Manuscript, keys: dict[int, str],
                decisions: MutableMapping[str, list[Any]]) -> None:
    """The first look of the articles `keys` names, read from the book laid out whole, kept
    under the keys of their trials alone: an article opens on a right-hand page, so its pages
    are those of its trial, and `float_figures` then lays none of them out."""
    found: dict[int, list[Any]] = {index: [] for index in keys}
    for (a, s, b), (_, s2, b2) in _trial_moves(document, manuscript):
        if a in found:
            found[a].append(((0, s, b), (0, s2, b2)))
    for index, key in keys.items():
        decisions[key] = found[index]


def float_figures(manuscript: Manuscript, html: Callable[[Manuscript], str],
                  lay_out: Callable[[str], tuple[Any, bool]], decisions: MutableMapping[str, list[Any]] | None = None,
                  salt: str = "", passes: int = MAX_PASSES) -> Manuscript:
    """The manuscript with every mid-page figure moved to the top (or bottom) of its page.

    `html` renders a manuscript as the edition's HTML, `lay_out` lays HTML out into a WeasyPrint
    Document and says whether that layout depends on the HTML alone (it read no file). Each
    article with figures is laid out alone; a move can shift the pages after it, so the check
    runs again on the new layout, `passes` layouts at most (the build takes one pass here, and
    the second look with `second_look` and `book_moves`).

    `decisions` (kept by a long-lived caller, e.g. `huozi watch`) maps the hash of a trial's HTML
    to the moves its layout gave: the same HTML always lays out the same way, so an article whose
    HTML did not change is not laid out again, and the result is the one a fresh build gives.
    `salt` names what else a layout depends on (the fonts); a layout that read files is not kept.
    """
    decisions = {} if decisions is None else decisions
    articles = list(manuscript.articles)
    for index, article in enumerate(articles):
        if not any(isinstance(block, FigureRef) for block in article.blocks):
            continue
        alone = dataclasses.replace(manuscript, articles=(article,))
        for _ in range(passes):
            source = html(alone)
            key = _key(salt, source)
            moves = decisions.get(key)
            if moves is None or not _fits(moves, alone.articles[0]):
                document, cacheable = lay_out(source)
                moves = _trial_moves(document, alone)
                del document                                  # a trial's boxes are not kept
                if cacheable:
                    decisions[key] = moves
            if not moves:
                break
            # Later slots first, so moving one block does not shift the indexes of the next move.
            for source_slot, target in sorted(moves, reverse=True):
                alone = _move(alone, tuple(source_slot), tuple(target))
        articles[index] = alone.articles[0]
    return dataclasses.replace(manuscript, articles=tuple(articles))
