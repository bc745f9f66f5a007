"""The one way to lay out a paged edition: `lay_out(config, manuscript, edition, figures) -> LaidOut`.

The build, the typography lint, `huozi check` (when the build left no layout to read) and the
benchmark all call it, so they lay out the same pages. It enters the clreq layout
(`weasy_patch.cjk_layout_for`) itself, and for print the page floats (figures/placement.py): the
trial layouts that size tables and number footnotes break lines and place figures as the final
layout does.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..events import BuildWarning, Stopwatch, collect_warnings
from ..pagetext import PageText
from .boxes import Document
from .kept import NOTE_MARKS, kept_decisions, layout_salt
from .options import PdfOptions

if TYPE_CHECKING:
    from ..config import Config
    from ..editions import Edition
    from ..figures import Figures
    from ..figures.images import ImageSet
    from ..manuscript import Manuscript


@dataclass(frozen=True)
class LaidOut:
    """A paged edition laid out: the HTML WeasyPrint read, and its pages."""

    edition: Edition
    html: str
    document: Document = field(repr=False)          # the laid-out weasyprint.Document
    page_texts: tuple[PageText, ...]                # where each page begins (the EPUB's page list)
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
    with cjk_layout_for(config.typography), kept_decisions(config.root, edition.name, salt), \
            _floats(edition, manuscript, figures):
        draw = _html(config, manuscript, edition, figures, options, clock, images)
        by_page = config.footnotes.numbering == "page"
        html, document, warnings = _final(draw, manuscript, edition, options, clock, by_page, salt)
    return LaidOut(edition, html, document, read_page_texts(document), options, tuple(warnings))


def _floats(edition: Edition, manuscript: Manuscript, figures: Figures) -> AbstractContextManager[None]:
    """Print's figures to the top or bottom of their page, as the pages are made (placement.py)."""
    if edition.paged is None or not edition.paged.float_figures or not figures:
        return nullcontext()
    from ..figures.placement import MAX_TRIES, page_floats
    from .weasy_patch import page_floats as floats_in_layout

    return floats_in_layout(lambda root: page_floats(root, manuscript), MAX_TRIES)


def _final(draw: Callable[[dict[str, str] | None], str], manuscript: Manuscript, edition: Edition,
           options: PdfOptions, clock: Stopwatch | None, by_page: bool, salt: str) -> tuple[str, Any, list[BuildWarning]]:
    """The book's HTML with its footnotes marked (`draw`: the HTML with the marks given), its
    Document, and WeasyPrint's notices (`salt`: what the layout rests on besides the HTML,
    kept.layout_salt)."""
    from ..layout.notes import has_notes, placeholder_marks

    if by_page and has_notes(manuscript):                 # ①②③ from each page's first note
        from .notes import settle_marks

        with _stage(clock, "notes"):
            first = placeholder_marks(manuscript)
            key = hashlib.sha256(f"{salt}\0{draw(first)}".encode()).hexdigest()
            html, document = settle_marks(draw, lambda html: _book(html, options, salt), first,
                                          NOTE_MARKS, key)
            return html, document, []
    with _stage(clock, "layout"):
        html = draw(None)
    with _stage(clock, "pages"), collect_warnings("weasyprint", edition.name) as warnings:
        document = _book(html, options, salt)
    return html, document, warnings


def _html(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
          clock: Stopwatch | None, images: ImageSet | None) -> Callable[[dict[str, str] | None], str]:
    """How the edition's HTML is made, given the footnote marks."""
    from ..layout.render import render_edition
    from ..text.typeset import typesetter_for

    assert edition.paged is not None, f"{edition.name} is not laid out into pages"
    typeset = typesetter_for(config)                            # clreq spacing, breaks, 孤字
    fits: dict[str, Any] = {}
    if manuscript.tables:                                      # wide tables set smaller, or turned
        with _stage(clock, "tables"):
            fits = _fit_tables(config, manuscript, edition, figures, options, typeset, images)

    return lambda marks: render_edition(config, manuscript, edition, figures=figures, typeset=typeset,
                                        marks=marks, images=images, table_fits=fits)


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


def _book(html: str, options: PdfOptions, salt: str) -> Any:
    """The book laid out, only what changed since the last layout in this process laid out again
    (pdf/segments.py)."""
    from .segments import render_book
    from .writer import render_document

    return render_book(html, options, salt, lambda html, urls: render_document(html, options, urls))


def _stage(clock: Stopwatch | None, name: str) -> AbstractContextManager[None]:
    return clock.stage(name) if clock is not None else nullcontext()
