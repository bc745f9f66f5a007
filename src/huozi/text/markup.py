"""Inline runs -> escaped HTML; the one place body text becomes markup."""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..manuscript.model import Inline, Paragraph
from .chars import WORD_JOINER, is_han

_TAGS = {"em": "em", "strong": "strong", "strike": "del"}


@dataclass(frozen=True)
class LinkTarget:
    """Where an in-book id leads in one edition, and the label a cross-reference prints."""

    href: str
    label: str


@dataclass(frozen=True)
class InlineContext:
    """How one edition renders inlines.

    `typeset` is the PDF editions' clreq hook (None in the EPUB); `targets` maps an id to its
    place in this edition; `links` is False in the print edition (PDF/X allows no annotations
    on the page: links are set as text). `marks` maps a footnote's id to the mark its call and
    note print; `epub` (an edition whose `notes` are "end") sets a call as an EPUB noteref (its
    note is an <aside> the article's template writes) instead of the PDFs' footnote float.
    """

    typeset: Callable[..., Markup] | None = None
    targets: Mapping[str, LinkTarget] | None = None
    links: bool = True
    marks: Mapping[str, str] | None = None
    epub: bool = False


def inlines_to_html(inlines: Iterable[Inline], typeset: Callable[..., Markup] | None = None,
                    context: InlineContext | None = None) -> Markup:
    """Render runs as HTML; `typeset` turns plain text into markup (CJK spacing spans)."""
    context = context or InlineContext(typeset=typeset)
    if typeset is not None and context.typeset is None:
        context = InlineContext(typeset, context.targets, context.links, context.marks, context.epub)
    return _render(tuple(inlines), context, emphasis=False)


def _render(runs: tuple[Inline, ...], context: InlineContext, emphasis: bool) -> Markup:
    out = []
    for index, run in enumerate(runs):
        html = _one(run, context, emphasis)
        if context.typeset is not None and run.kind != "text":
            before = _visible(runs[:index], context)
            after = _visible(runs[index + 1:], context)
            html = _spaced(html, before[-1:], _visible((run,), context), after[:1])
        out.append(html)
    return Markup("").join(out)


def _visible(runs: tuple[Inline, ...], context: InlineContext) -> str:
    """The text a reader sees for `runs`: a cross-reference shows its target's label."""
    parts = []
    for run in runs:
        if run.kind == "xref":
            target = (context.targets or {}).get(run.target)
            parts.append(target.label if target else run.target)
        else:
            parts.append(run.text + _visible(run.children, context))
    return "".join(parts)


def _text(text: str, context: InlineContext, emphasis: bool) -> Markup:
    if not text:
        return Markup("")
    if context.typeset is None:
        return escape(text)
    return context.typeset(text, emphasis=True) if emphasis else context.typeset(text)


def _content(run: Inline, context: InlineContext, emphasis: bool) -> Markup:
    """A span's own text (a run built by hand may carry one) then its children."""
    return _text(run.text, context, emphasis) + _render(run.children, context, emphasis)


def _one(run: Inline, context: InlineContext, emphasis: bool) -> Markup:
    typeset = context.typeset
    if run.kind == "text":
        return _text(run.text, context, emphasis)
    if run.kind == "break":
        return Markup("<br />")
    if run.kind == "code":
        return Markup('<code class="code">{}</code>').format(run.text)
    if run.kind == "note":
        return _note(run, context)
    if run.kind == "xref":
        target = (context.targets or {}).get(run.target)
        label = target.label if target else run.target
        body = typeset(label) if typeset else escape(label)
        return _anchor(target.href if target else "#" + run.target, body, context, "xref")
    if run.kind == "link":
        body = _content(run, context, emphasis)
        href = run.href
        if run.target:
            target = (context.targets or {}).get(run.target)
            href = target.href if target else href
        if not _safe_href(href):
            return body
        return _anchor(href, body, context, "link")
    if run.kind == "em":
        han = any(is_han(ch) for ch in run.plain)
        cls = "ez" if han else "em"
        # 着重号 (clreq §3.3, GB/T 15834 4.16): dots under Han characters; Latin stays italic.
        return Markup('<em class="{}">{}</em>').format(cls, _content(run, context, emphasis or han))
    tag = Markup(_TAGS[run.kind])
    return Markup("<{0}>{1}</{0}>").format(tag, _content(run, context, emphasis))


def note_mark(note_id: str, context: InlineContext) -> str:
    return (context.marks or {}).get(note_id, "*")


def _note(run: Inline, context: InlineContext) -> Markup:
    """A footnote call. EPUB: a noteref link to the note's <aside> (EPUB 3.3 SSV, DPUB-ARIA).

    PDFs: the note itself, floated by the stylesheet to the foot of the page (CSS GCPM
    `float: footnote`); WeasyPrint leaves its `::footnote-call` in the text. The elements are
    HTML-unknown ones (`fn`, `fnp`), since the note sits inside the calling <p>, which a <p> or
    <div> would close; weasy_patch tags them Note and P. The call's mark starts with a word
    joiner, so it never starts a line (clreq §3.1.7: it belongs to the word before it).

    WeasyPrint 70 cannot split one footnote between pages: a note taller than the room left
    would be moved whole, and one taller than a page drawn over the text. So a long note is set
    as several floats of at most NOTE_CHUNK characters, cut after a sentence: the first carries
    the call and the mark, the others (`fn.cont`, no mark) follow it, on the next page when the
    call's page is full: the note continues there.
    """
    mark = note_mark(run.target, context)
    if context.epub:
        return Markup('<a class="noteref" epub:type="noteref" role="doc-noteref" id="fnref-{0}" '
                      'href="#fn-{0}">{1}</a>').format(run.target, mark)
    chunks = _note_chunks(run.blocks)
    out = []
    for number, chunk in enumerate(chunks):
        parts = []
        for index, (inlines, starts_paragraph) in enumerate(chunk):
            body = _render(inlines, context, emphasis=False)
            first_of_note = number == 0 and index == 0
            parts.append(body if first_of_note or (index == 0 and not starts_paragraph)
                         else Markup("<fnp>{}</fnp>").format(body))
        if number == 0:
            out.append(Markup('<fn class="footnote" id="fn-{}" data-mark="' + WORD_JOINER + '{}">{}</fn>').format(
                run.target, mark, Markup("").join(parts)))
        else:
            out.append(Markup('<fn class="footnote cont" id="fn-{}-c{}">{}</fn>').format(
                run.target, number + 1, Markup("").join(parts)))
    return Markup("").join(out)


NOTE_CHUNK = 300  # characters: a few lines, so that every part fits the room any page has
_SENTENCE_END = "。！？；"


def _note_chunks(paragraphs: Iterable[Paragraph]) -> list[list[tuple[tuple[Inline, ...], bool]]]:
    """The note's paragraphs cut into parts of at most about NOTE_CHUNK characters, each a list
    of (runs, whether they start a paragraph); cuts fall after a sentence, between runs."""
    chunks: list[list[tuple[tuple[Inline, ...], bool]]] = [[]]
    size = 0
    for paragraph in paragraphs:
        runs: list[Inline] = []
        starts = True
        for run in paragraph.inlines:
            pieces = _sentences(run) if run.kind == "text" else [run]
            for piece in pieces:
                length = len(piece.plain)
                if size + length > NOTE_CHUNK and (runs or chunks[-1]):
                    if runs:
                        chunks[-1].append((tuple(runs), starts))
                        runs, starts = [], False
                    chunks.append([])
                    size = 0
                runs.append(piece)
                size += length
        chunks[-1].append((tuple(runs), starts))
    return [c for c in chunks if c]


def _sentences(run: Inline) -> list[Inline]:
    """A text run split after each sentence's end (the split points of a long note)."""
    pieces, start = [], 0
    for index, ch in enumerate(run.text):
        if ch in _SENTENCE_END and index + 1 < len(run.text) and run.text[index + 1] not in CLOSING_MARKS:
            pieces.append(Inline("text", run.text[start:index + 1]))
            start = index + 1
    pieces.append(Inline("text", run.text[start:]))
    return [p for p in pieces if p.text]


CLOSING_MARKS = frozenset("”’）》」』】〕")


def _anchor(href: str, body: Markup, context: InlineContext, cls: str) -> Markup:
    if not context.links:
        return Markup('<span class="{}">{}</span>').format(cls, body)
    return Markup('<a class="{}" href="{}">{}</a>').format(cls, href, body)


def _alnum(ch: str) -> bool:
    return bool(ch) and not is_han(ch) and unicodedata.category(ch)[0] in "LN" and ord(ch) < 0x3000


def _spaced(html: Markup, before: str, text: str, after: str) -> Markup:
    """Code, links and cross-references touching Han text get the ¼ em gap digits get (clreq §3.2.1).

    The typesetter spaces inside one run of text; this spaces across the element's edges, with
    the same `hw` span the layout patch trims at a line's edge.
    """
    if not text:
        return html
    sides = []
    if before and ((is_han(before) and _alnum(text[0])) or (_alnum(before) and is_han(text[0]))):
        sides.append("hw-l")
    if after and ((is_han(text[-1]) and _alnum(after)) or (_alnum(text[-1]) and is_han(after))):
        sides.append("hw-r")
    if not sides:
        return html
    return Markup('<span class="hw {}">{}</span>').format(" ".join(sides), html)


def _safe_href(href: str) -> bool:
    # Only web links and in-book anchors: no javascript:, file: or data: URLs in any edition.
    return href.startswith(("https://", "http://", "#", "mailto:")) or (
        (".xhtml#" in href or ".html#" in href) and "/" not in href and ":" not in href)
