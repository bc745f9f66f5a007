"""The one way to lay out a paged edition: `lay_out(config, manuscript, edition, figures) -> LaidOut`.

The build, the typography lint, `huozi check` (when the build left no layout to read) and the
benchmark all call it, so they lay out the same pages. It enters the clreq layout
(`weasy_patch.cjk_layout_for`) itself: the trial layouts that size tables, place figures and
number footnotes break lines as the final layout does.
"""
from __future__ import annotations

import hashlib
from collections import ChainMap
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..events import BuildWarning, Stopwatch, collect_warnings
from ..pagetext import PageText
from .boxes import Document
from .fetcher import read_no_file
from .kept import NOTE_MARKS, PLACEMENTS, kept_decisions, layout_salt
from .options import PdfOptions

if TYPE_CHECKING:
    from ..config import Config
    from ..editions import Edition
    from ..figures import Figures
    from ..figures.images import ImageSet
    from ..manuscript import Manuscript


@dataclass(frozen=True)
class LaidOut:
    """A paged edition laid out: the HTML WeasyPrint read, its pages, and the manuscript as placed."""

    edition: Edition
    html: str
    document: Document = field(repr=False)          # the laid-out weasyprint.Document
    page_texts: tuple[PageText, ...]                # where each page begins (the EPUB's page list)
    manuscript: Manuscript = field(repr=False)      # figures moved to where print placed them
    options: PdfOptions
    warnings: tuple[BuildWarning, ...] = ()         # WeasyPrint's notices about the final layout


def lay_out(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, *,
            images: ImageSet | None = None, epoch: int = 0, clock: Stopwatch | None = None) -> LaidOut:
    """Lay out a paged edition as `huozi build` does: clreq-typeset text, wide tables fitted, print
    figures floated to a page edge, footnotes marked by page; and read where each page begins."""
    from .pages import read_page_texts
    from .variants import pdf_options
    from .weasy_patch import cjk_layout_for

    options = pdf_options(config, edition, epoch)
    salt = layout_salt(config.typography)
    with cjk_layout_for(config.typography), kept_decisions(config.root, edition.name, salt):
        fetched: list[str] = []
        render, placed, pending = _html(config, manuscript, edition, figures, options, clock, images, salt)
        by_page = config.footnotes.numbering == "page"
        html, document, warnings = _final(render, placed, edition, options, clock, fetched, by_page, salt)
        if pending:                                   # the second look at the figures (placement.py)
            from ..figures.placement import book_moves

            cacheable = read_no_file(fetched)
            moved = book_moves(document, placed, pending, PLACEMENTS, cacheable)
            if moved is not None:
                placed, document = moved, None        # the first layout's boxes freed before the second
                html, document, warnings = _final(render, placed, edition, options, clock, None, by_page, salt)
    return LaidOut(edition, html, document, read_page_texts(document), placed, options, tuple(warnings))


def _final(render: Callable[[Manuscript], Callable[[dict[str, str] | None], str]], placed: Manuscript,
           edition: Edition, options: PdfOptions, clock: Stopwatch | None, fetched: list[str] | None,
           by_page: bool, salt: str) -> tuple[str, Any, list[BuildWarning]]:
    """The book's HTML with its footnotes marked, its Document, and WeasyPrint's notices (`salt`:
    what the layout rests on besides the HTML, kept.layout_salt)."""
    from ..layout.notes import has_notes, placeholder_marks

    draw = render(placed)
    if by_page and has_notes(placed):                 # ①②③ from each page's first note
        from .notes import settle_marks

        with _stage(clock, "notes"):
            first = placeholder_marks(placed)
            key = hashlib.sha256(f"{salt}\0{draw(first)}".encode()).hexdigest()
            html, document = settle_marks(draw, lambda html: _book(html, options, salt, fetched), first,
                                          NOTE_MARKS, key)
            return html, document, []
    with _stage(clock, "layout"):
        html = draw(None)
    with _stage(clock, "pages"), collect_warnings("weasyprint", edition.name) as warnings:
        document = _book(html, options, salt, fetched)
    return html, document, warnings


def _html(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
          clock: Stopwatch | None, images: ImageSet | None, salt: str
          ) -> tuple[Callable[[Manuscript], Callable[[dict[str, str] | None], str]], Manuscript, dict[int, str]]:
    """How the edition's HTML is made (a manuscript, then the footnote marks), the manuscript with
    its figures placed by a first look, and the articles still owed a second look (placement.py)."""
    from ..figures.placement import (
        first_looks,
        float_figures,
        look_on_the_book,
        second_look,
        second_trials,
        unlooked,
        with_figures,
    )
    from ..layout.render import render_edition
    from ..text.typeset import typesetter_for
    from .writer import render_document

    assert edition.paged is not None, f"{edition.name} is not laid out into pages"
    typeset = typesetter_for(config)                            # clreq spacing, breaks, 孤字
    fits: dict[str, Any] = {}
    if manuscript.tables:                                      # wide tables set smaller, or turned
        with _stage(clock, "tables"):
            fits = _fit_tables(config, manuscript, edition, figures, options, typeset, images)

    def render(placed: Manuscript, front: bool = True) -> Callable[[dict[str, str] | None], str]:
        extra = None if front else {"with_front": False}
        return lambda marks: render_edition(config, placed, edition, figures=figures, typeset=typeset,
                                            marks=marks, images=images, table_fits=fits, extra=extra)

    pending: dict[int, str] = {}
    placed = manuscript
    if edition.paged.float_figures and figures:                # figures to the top or bottom of a page
        def trial(html: str) -> tuple[Any, bool]:
            seen: list[str] = []
            document = render_document(html, options, seen)
            return document, read_no_file(seen)

        with _stage(clock, "placement"):
            # A trial lays out one article without the title page and contents (the same pages:
            # it opens on a right-hand page either way); they were a tenth of a second a trial.
            article_html = lambda m: render(m, front=False)(None)  # noqa: E731
            decisions: MutableMapping[str, Any] = PLACEMENTS
            from .segments import keeps_pages

            kept = keeps_pages(options, salt)
            unseen = (unlooked(manuscript, article_html, PLACEMENTS, salt)
                      if kept or look_on_the_book(manuscript, with_figures(manuscript), kept) else {})
            if look_on_the_book(manuscript, unseen, kept):
                # The first look of the articles with no decision kept is taken on the book laid
                # out once, the others placed as decided before: under watch, with an earlier
                # layout's pages kept (pdf/segments.py), their pages are the kept ones and the
                # layout after the look lays out only what moved; in a new process, when they are
                # most of the book, one layout of the book costs less than their trials.
                known = float_figures(manuscript, article_html, trial, ChainMap({key: [] for key in unseen.values()},
                                                                                PLACEMENTS), salt=salt, passes=1)
                known = second_look(manuscript, known, article_html, PLACEMENTS, salt)[0]
                seen: list[str] = []
                book = _book(render(known)(None), options, salt, seen)
                decisions = PLACEMENTS if read_no_file(seen) else ChainMap({}, PLACEMENTS)
                first_looks(book, known, unseen, decisions)
                del book
            placed = float_figures(manuscript, article_html, trial, decisions, salt=salt, passes=1)
            placed, pending = second_look(manuscript, placed, article_html, PLACEMENTS, salt)
            if pending:
                placed, pending = second_trials(placed, pending, article_html, trial, PLACEMENTS)
    return render, placed, pending


def _fit_tables(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
                typeset: Any, images: ImageSet | None) -> dict[str, Any]:
    """The tables of an edition that must be set smaller or turned (pdf/tables.py), from trial layouts."""
    from ..layout.links import table_numbers
    from ..layout.render import render_edition
    from . import tables
    from .writer import render_document

    def layout(fits: dict[str, Any]) -> Any:
        html = render_edition(config, manuscript, edition, figures=figures, typeset=typeset, images=images,
                              table_fits=fits)
        return render_document(html, options)

    spaces = tables.measure_tables(layout({}), manuscript)
    fits = tables.fit_tables(spaces, manuscript, table_numbers(manuscript, config.tables.numbering))
    if edition.paged is not None and edition.paged.turn_tables and any(f.turned for f in fits.values()):
        fits = tables.cut_turned(layout(tables.one_part(fits, manuscript)), fits, manuscript)
    return fits


def _book(html: str, options: PdfOptions, salt: str, seen: list[str] | None) -> Any:
    """The book laid out, only what changed since the last layout in this process laid out again
    (pdf/segments.py)."""
    from .segments import render_book
    from .writer import render_document

    return render_book(html, options, salt, lambda html, urls: render_document(html, options, urls), seen)


def _stage(clock: Stopwatch | None, name: str) -> AbstractContextManager[None]:
    return clock.stage(name) if clock is not None else nullcontext()
