"""A book laid out a segment at a time: only the articles whose inputs changed are laid out again.

Issue 17: "an article starts on a new page in both PDFs, so an article whose inputs did not change
need not be laid out again if its first page number and everything that feeds it are unchanged."

`render_book(html, …)` is `render_document` for a whole edition. Its first call in a process lays
the book out whole and remembers, for each segment (the front matter, then each article that
starts on a new page), the pages it made under a key of everything those pages rest on. A later
call (the next build under `huozi watch`, the second layout after the figures moved, the layout
after the footnote marks settled) cuts the new HTML the same way, takes the pages of every
segment whose key it knows and lays out only the others, each as a document of its own, then
puts the pages together.

A segment laid out alone must come out as it would inside the book, so its document recreates
what the book gives it:
- the CSS (the same <head>) and its place among its siblings: the top-level elements before it
  come first, empty and `display: none` (sibling selectors such as `article + article` match
  as in the book, and nothing is drawn);
- its first page: a `body::before` page first (so it is not `@page :first`) that breaks to the
  side the segment starts on, and the page counter set so its first page has its folio;
- what follows it: an empty copy of the next segment's first element, so a blank page before the
  next segment is made as in the book (with this segment's running heads). Pages from that copy
  on are dropped;
- the page numbers of targets in other segments (the contents' `target-counter(…, page)`):
  empty elements with those ids inside that copy, each on a page whose counter is set to the
  target's page.
The key holds all of these, so a segment is reused only where all of them are as they were.

What a separate document cannot recreate refuses the cut, and the book is laid out whole: CSS
with counters other than page and list items, `counter(pages)`, `:nth()` page selectors or
`:nth-last-*` selectors, running elements, strings at `start`, `target-text()`; a target looked
up that the segment does not have; a note carried from one segment's last page to the next
segment's first; a layout that read a file (its bytes are not in the key) or that WeasyPrint
warned about (its warning would not be repeated when the pages are reused).

The pages are WeasyPrint's own (the box tree); the adapter `boxes` reads them.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..cache import content_key
from . import boxes
from .fetcher import read_no_file
from .options import PdfOptions

Document = Any
Render = Callable[[str, list[str]], Document]    # html, URLs read → Document

# Forced breaks: an element with one starts a new page (CSS Fragmentation 3 §3.1).
FORCED = frozenset({"page", "left", "right", "recto", "verso"})
# The article elements a book is cut before (layout/render's template writes them).
_ARTICLE = re.compile(r'<article\s[^>]*\bclass="article"[^>]*\bid="([^"]+)"')
_TAG = re.compile(r"""<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>""", re.S)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW = frozenset({"script", "style"})
# CSS a segment laid out alone cannot reproduce (see the module's docstring).
_REFUSED = re.compile(
    r"(?<![\w-])counter\(\s*+(?!page\s*\))|counters\(|counter-(?:increment|set)\s*:"
    r"|counter-reset\s*:\s*+(?!list-item\b|none\b)|:nth\(|:nth-last-|element\(|running\(|target-text\("
    r"|target-counters\(|target-counter\([^;{}]*,\s*+(?!page\s*\))|string\([^)]*\bstart\b"
    r"|body\s*::?before|direction\s*:\s*rtl|dir=\"rtl\"", re.I)
_REF = re.compile(r'(?:href|data-target)="#([^"]+)"')
_ID = re.compile(r'\bid="([^"]+)"')
_LOGGER = "weasyprint"


@dataclass(frozen=True)
class _Element:
    """A top-level element of <body>: where it is in the body, and its opening tag."""

    start: int
    end: int
    name: str
    tag: str

    def hidden(self) -> str:
        """This element empty and not displayed (its place among siblings kept)."""
        tag = self.tag
        if re.search(r'\sstyle="', tag):
            tag = re.sub(r'\sstyle="', ' style="display:none!important;', tag, count=1)
        else:
            tag = tag[:-1].rstrip("/") + ' style="display:none!important">'
        return tag if self.name in _VOID else f"{tag}</{self.name}>"


@dataclass(frozen=True)
class _Shape:
    """A book's HTML cut: its head and tail, its top-level elements, and the articles it may be
    cut before (index into `elements`, id)."""

    head: str
    body: str
    tail: str
    elements: tuple[_Element, ...]
    articles: tuple[tuple[int, str], ...]

    @property
    def frame(self) -> str:
        """What decides where the book may be cut: the CSS and the top-level elements' tags."""
        return content_key(self.head, self.tail, "\0".join(e.tag for e in self.elements))


@dataclass
class _Segment:
    part: int                        # its place: 0 the front matter, then the cuts in order
    pages: list[Any]
    anchors: dict[str, int]          # anchor → page index within `pages`
    fetched: tuple[str, ...]
    # Its document without pages (metadata, fonts, colour profiles: what Document.copy passes
    # on), so the pages of segments no longer kept can be freed.
    document: Document = field(repr=False)
    # The kept decisions (pdf/kept.py: line-break plans) its layout read, by memo: a layout that
    # keeps these pages uses them too, so they are saved for the next process as if it had.
    decisions: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)


@dataclass
class _Memo:
    """One edition's segments as last laid out in this process."""

    frame: str
    cuts: tuple[str, ...]            # the ids of the articles a segment begins with
    segments: dict[str, _Segment]    # key → pages
    targets: dict[str, int]          # anchor → page number, as last laid out


# Per edition (its options and the layout's salt): kept for the life of the process, so a
# watch's or a library caller's next build finds the last one's pages. A process that builds
# many books (a test run, a service) keeps only the newest few.
_MEMOS: dict[str, _Memo] = {}
KEPT_BOOKS = 4
# When more of the book than this changed, it is laid out whole: about as fast as its segments
# one by one, and the pages kept before are freed first (a long book's memory, not twice).
WHOLE_WHEN_CHANGED = 0.5


class _Whole(Exception):
    """The book must be laid out whole (why)."""


def render_book(html: str, options: PdfOptions, salt: str, render: Render,
                fetched: list[str] | None = None) -> Document:
    """`html` laid out, reusing the pages of every segment laid out before with the same inputs."""
    scope = _scope(options, salt)
    shape = _shape(html)
    memo = _MEMOS.pop(scope, None)              # the old pages go once this layout is made
    if shape is not None and memo is not None and memo.frame == shape.frame:
        try:
            document, memo = _stitched(shape, memo, render, fetched)
            _keep(scope, memo)
            return document
        except _Whole:
            pass
    memo = None
    seen: list[str] = []
    with _logged() as records, _decisions() as decisions:
        document = render(html, seen)
    _replay(records)
    if fetched is not None:
        fetched.extend(seen)
    if shape is not None and not _warned(records) and read_no_file(seen):
        seeded = _seed(shape, document, tuple(seen), decisions)
        if seeded is not None:
            _keep(scope, seeded)
    return document


def _keep(scope: str, memo: _Memo) -> None:
    _MEMOS[scope] = memo
    while len(_MEMOS) > KEPT_BOOKS:
        del _MEMOS[next(iter(_MEMOS))]


def keeps_pages(options: PdfOptions, salt: str) -> bool:
    """Whether this process keeps pages of an earlier layout of the edition `options` are for."""
    return _scope(options, salt) in _MEMOS


def _scope(options: PdfOptions, salt: str) -> str:
    """Which edition's pages: its options and what its layout rests on besides the HTML."""
    return content_key(repr(options), salt)


def forget() -> None:
    """Drop every kept segment (tests; a caller that wants the memory back)."""
    _MEMOS.clear()


# ------------------------------------------------------------------------------------- the cut
def _shape(html: str) -> _Shape | None:
    """`html` cut into head, top-level elements and tail, or None when it may not be cut."""
    body_at = re.search(r"<body\b[^>]*>", html)
    end_at = html.rfind("</body>")
    if body_at is None or end_at < body_at.end():
        return None
    head, body, tail = html[:body_at.end()], html[body_at.end():end_at], html[end_at:]
    if _REFUSED.search(html) or "</head>" not in head:
        return None
    elements = _top_level(body)
    if elements is None:
        return None
    articles = []
    for index, element in enumerate(elements):
        found = _ARTICLE.match(element.tag)
        if found and index > 0:
            articles.append((index, found[1]))
    if not articles or len({aid for _, aid in articles}) != len(articles):
        return None
    return _Shape(head, body, tail, tuple(elements), tuple(articles))


def _top_level(body: str) -> list[_Element] | None:
    """The top-level elements of `body` (None: text at the top level, or tags that do not nest)."""
    elements: list[_Element] = []
    depth, start, name, tag, at = 0, 0, "", "", 0
    raw: str | None = None
    for match in _TAG.finditer(body):
        if raw is not None:                       # inside <script> or <style>: only its end counts
            if not (match[1] and match[2].lower() == raw):
                continue
            raw = None
        if depth == 0 and body[at:match.start()].strip():
            return None
        if match[0].startswith("<!--"):
            at = match.end() if depth == 0 else at
            continue
        closing, tag_name, self_closing = match[1], match[2].lower(), match[4]
        if closing:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                elements.append(_Element(start, match.end(), name, tag))
                at = match.end()
            continue
        if depth == 0:
            start, name, tag = match.start(), tag_name, match[0]
        if tag_name in _VOID or self_closing:
            if depth == 0:
                elements.append(_Element(start, match.end(), name, tag))
                at = match.end()
            continue
        if tag_name in _RAW:
            raw = tag_name
        depth += 1
    if depth != 0 or raw is not None or body[at:].strip():
        return None
    return elements


@dataclass(frozen=True)
class _Part:
    """One segment of a cut book: its place, its elements and what it refers to outside itself."""

    number: int                      # 0 the front matter, then the cuts in order
    first: int                       # its first top-level element
    after: int                       # the element after its last
    text: str
    outside: tuple[str, ...]         # anchors it refers to that it does not have, in order
    own: str | None                  # the id of the article it begins with (None: the front)
    following: str | None            # the id of the next segment's article (None: the last)


def _parts(shape: _Shape, cuts: tuple[str, ...]) -> list[_Part]:
    """Each segment: the front matter, then one from each cut."""
    ids = dict(shape.articles)
    starts = [0] + [index for index, aid in shape.articles if aid in cuts]
    parts = []
    for number, (first, after) in enumerate(zip(starts, starts[1:] + [len(shape.elements)])):
        text = shape.body[shape.elements[first].start:shape.elements[after - 1].end]
        own = set(_ID.findall(text))
        outside = tuple(dict.fromkeys(name for name in _REF.findall(text) if name not in own))
        parts.append(_Part(number, first, after, text, outside, ids.get(first) if number else None,
                           ids.get(after)))
    return parts


def _key(part: _Part, start: int, targets: dict[str, int]) -> str:
    """Everything a segment's pages rest on besides the frame (the CSS, every top-level tag)."""
    outside = [f"{name}={targets.get(name)}" for name in part.outside]
    return content_key(str(part.number), str(start), "\0".join(outside), part.text)


# ------------------------------------------------------------------------------ the first layout
def _seed(shape: _Shape, document: Document, fetched: tuple[str, ...],
          decisions: dict[str, frozenset[str]]) -> _Memo | None:
    """The segments of a whole layout, read from its pages (None when it cannot be cut)."""
    firsts = boxes.first_boxes(document)
    cuts = tuple(aid for _, aid in shape.articles
                 if aid in firsts and boxes.style_of(firsts[aid][1], "break_before") in FORCED)
    if not cuts:
        return None
    parts = _parts(shape, cuts)
    page_starts = [0] + [firsts[aid][0] for aid in cuts]
    if page_starts != sorted(set(page_starts)):
        return None
    targets = {name: page + 1 for name, page in boxes.anchor_pages(document).items()}
    memo = _Memo(shape.frame, cuts, {}, targets)
    base = document.copy([])
    for part in parts:
        begin = page_starts[part.number]
        end = page_starts[part.number + 1] if part.following is not None else len(document.pages)
        if end < len(document.pages) and boxes.carried_notes(document.pages[end]):
            continue                              # a note carried into the next segment's page
        anchors = {name: page - 1 - begin for name, page in targets.items() if begin < page <= end}
        memo.segments[_key(part, begin + 1, targets)] = _Segment(
            part.number, list(document.pages[begin:end]), anchors, fetched, base, decisions)
    return memo


# ------------------------------------------------------------------------------ a later layout
def _stitched(shape: _Shape, memo: _Memo, render: Render, fetched: list[str] | None) -> tuple[Document, _Memo]:
    """The book from kept segments and segments laid out now; raises _Whole when it cannot be."""
    parts = _parts(shape, memo.cuts)
    wanted = {name for part in parts for name in part.outside}
    # The pages of targets: as last time, until the segments say otherwise (the contents' numbers
    # depend on where the articles start, which depends on how long the contents are).
    targets = dict(memo.targets)
    # The kept segments, owned from here on: a segment laid out again frees the pages kept for
    # its place (they were half the peak memory of a long book's build with empty caches).
    known, memo.segments = memo.segments, {}
    if _changed_share(shape, parts, known, targets) > WHOLE_WHEN_CHANGED:
        raise _Whole("most of the book changed")
    for _ in range(3):
        used: dict[str, _Segment] = {}
        pages: list[Any] = []
        found: dict[str, int] = {}
        for part in parts:
            start = len(pages) + 1
            key = _key(part, start, targets)
            segment = known.get(key)
            if segment is None:
                for stale in [k for k, kept in known.items() if kept.part == part.number and k not in used]:
                    del known[stale]
                segment = _alone(shape, parts, part.number, start, targets, render)
            known[key] = used[key] = segment
            for name, page in segment.anchors.items():
                found.setdefault(name, start + page)
            pages.extend(segment.pages)
        if all(found.get(name) == targets.get(name) for name in wanted):
            for segment in used.values():
                if fetched is not None:
                    fetched.extend(segment.fetched)
                _reuse(segment.decisions)
            base = next(iter(used.values())).document
            return base.copy(pages), _Memo(memo.frame, memo.cuts, used, found)
        targets = found
    raise _Whole("the pages of the contents' targets did not settle")


def _changed_share(shape: _Shape, parts: list[_Part], known: dict[str, _Segment],
                   targets: dict[str, int]) -> float:
    """How much of the body (by characters) is in segments with no pages kept, a segment taken
    as long as last time where its own length is not known yet."""
    start, changed = 1, 0
    for part in parts:
        segment = known.get(_key(part, start, targets))
        if segment is None:
            changed += len(part.text)
            segment = next((kept for kept in known.values() if kept.part == part.number), None)
        start += len(segment.pages) if segment is not None else 1
    return changed / max(1, len(shape.body))


def _alone(shape: _Shape, parts: list[_Part], number: int, start: int, targets: dict[str, int],
           render: Render) -> _Segment:
    """Segment `number` laid out as a document of its own, its first page numbered `start`."""
    part = parts[number]
    html, leading = _document(shape, part, start, targets)
    seen: list[str] = []
    with _logged() as records, _decisions() as decisions:
        document = render(html, seen)
    if _warned(records) or not read_no_file(seen):
        raise _Whole("WeasyPrint warned, or the layout read a file")
    _replay(records)
    firsts = boxes.first_boxes(document)
    begin = 0
    if part.own is not None:
        if part.own not in firsts or firsts[part.own][0] != leading:
            raise _Whole("the segment did not start on the page it should")
        begin = leading
    end = len(document.pages)
    if part.following is not None:
        if part.following not in firsts:
            raise _Whole("the next segment's first element was not laid out")
        end = firsts[part.following][0]
        if boxes.carried_notes(document.pages[end]):
            raise _Whole("a note is carried into the next segment")
    anchors = {name: page - begin for name, page in boxes.anchor_pages(document).items() if begin <= page < end}
    return _Segment(part.number, list(document.pages[begin:end]), anchors, tuple(seen), document.copy([]), decisions)


def _document(shape: _Shape, part: _Part, start: int, targets: dict[str, int]) -> tuple[str, int]:
    """A segment's own HTML, and the index of the page it begins on."""
    rules, leading = [], 0
    if part.own is not None:
        # A first page of its own, then a break to the side `start` falls on (page 1 is a right page).
        side = "right" if start % 2 else "left"
        leading = 2 if side == "right" else 1
        rules += [f'body::before {{ content: ""; display: block; break-after: {side}; }}',
                  f"@page :first {{ counter-reset: page {start - leading}; }}"]
    before = "".join(element.hidden() for element in shape.elements[:part.first])
    following = ""
    if part.following is not None:
        element = shape.elements[part.after]
        stubs = []
        for name in part.outside:
            page = targets.get(name)
            if page is not None and name != part.following:
                stubs.append(f'<div id="{name}" style="page:huozi-page-{page};break-before:page"></div>')
                rules.append(f"@page huozi-page-{page} {{ counter-reset: page {page}; }}")
        following = f"{element.tag}{''.join(stubs)}</{element.name}>"
    head = shape.head.replace("</head>", "<style>\n" + "\n".join(dict.fromkeys(rules)) + "\n</style>\n</head>", 1)
    return head + before + part.text + following + shape.tail, leading


# ------------------------------------------------------------------------------ kept decisions
@contextmanager
def _decisions() -> Iterator[dict[str, frozenset[str]]]:
    """The keys of kept decisions (pdf/kept.py) a layout reads, by memo (filled when it ends)."""
    from .kept import memos

    found: dict[str, frozenset[str]] = {}
    outer = {name: memo.used for name, memo in memos().items()}
    for memo in memos().values():
        memo.used = set()
    try:
        yield found
    finally:
        for name, memo in memos().items():
            found[name] = frozenset(memo.used or ())
            memo.used = outer[name]
            if memo.used is not None:
                memo.used.update(found[name])


def _reuse(decisions: dict[str, frozenset[str]]) -> None:
    """Count a kept segment's decisions as read by this layout."""
    from .kept import memos

    for name, memo in memos().items():
        if memo.used is not None:
            memo.used.update(decisions.get(name, ()))


# ------------------------------------------------------------------------------ WeasyPrint's log
@contextmanager
def _logged() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's log records of a layout, held back (a caller decides whether they are told)."""
    logger = logging.getLogger(_LOGGER)

    class _Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    held: list[logging.LogRecord] = []
    saved, propagate = logger.handlers[:], logger.propagate
    logger.handlers, logger.propagate = [_Hold()], False
    try:
        yield held
    finally:
        logger.handlers, logger.propagate = saved, propagate


def _replay(records: list[logging.LogRecord]) -> None:
    logger = logging.getLogger(_LOGGER)
    for record in records:
        logger.handle(record)


def _warned(records: list[logging.LogRecord]) -> bool:
    return any(record.levelno >= logging.WARNING for record in records)
