"""The one way to lay out a paged edition: `lay_out(config, manuscript, edition, figures) -> LaidOut`.

The build, the typography lint, `huozi check` (when the build left no layout to read) and the
benchmark all call it, so they lay out the same pages. It enters the clreq layout
(`weasy_patch.cjk_layout_for`) itself: the trial layouts that size tables, place figures and
number footnotes break lines as the final layout does.
"""
from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..events import BuildWarning, Stopwatch, collect_warnings
from ..pagetext import PageText
from .boxes import Document
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


# Figure placement decisions by the hash of a trial layout's HTML, for the life of the process:
# a warm worker (huozi watch, a library caller building again) lays out only changed articles.
_PLACEMENTS: dict[str, list[Any]] = {}
_PLACEMENTS_KEPT = 4096  # entries (each a few slots); a long watch session forgets the oldest
# Footnote marks numbered by page, by the hash of the edition's HTML with placeholder marks.
_NOTE_MARKS: dict[str, dict[str, str]] = {}


def lay_out(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, *,
            images: ImageSet | None = None, epoch: int = 0, clock: Stopwatch | None = None) -> LaidOut:
    """Lay out a paged edition as `huozi build` does: clreq-typeset text, wide tables fitted, print
    figures floated to a page edge, footnotes marked by page; and read where each page begins."""
    from .pages import read_page_texts
    from .variants import pdf_options
    from .weasy_patch import cjk_layout_for
    from .writer import render_document

    options = pdf_options(config, edition, epoch)
    with cjk_layout_for(config.typography):
        html, document, placed = _html(config, manuscript, edition, figures, options, clock, images)
        warnings: list[BuildWarning] = []
        if document is None:
            with _stage(clock, "pages"), collect_warnings("weasyprint", edition.name) as warnings:
                document = render_document(html, options)
    return LaidOut(edition, html, document, read_page_texts(document), placed, options, tuple(warnings))


def _html(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
          clock: Stopwatch | None, images: ImageSet | None) -> tuple[str, Any, Manuscript]:
    """The HTML the PDF writer lays out, its laid-out Document when a step here already made it
    (else None), and the manuscript with its figures placed."""
    from ..figures.placement import float_figures
    from ..fonts import fontconfig_stamp
    from ..layout.notes import has_notes, placeholder_marks
    from ..layout.render import render_edition
    from ..text.typeset import typesetter_for
    from .writer import render_document

    assert edition.paged is not None, f"{edition.name} is not laid out into pages"
    typeset = typesetter_for(config)                            # clreq spacing, breaks, 孤字
    fits: dict[str, Any] = {}
    if manuscript.tables:                                      # wide tables set smaller, or turned
        with _stage(clock, "tables"):
            fits = _fit_tables(config, manuscript, edition, figures, options, typeset, images)
    if edition.paged.float_figures and figures:                # figures to the top or bottom of a page
        def trial(html: str) -> tuple[Any, bool]:
            fetched: list[str] = []
            document = render_document(html, options, fetched)
            return document, not [url for url in fetched if not url.startswith("data:")]

        with _stage(clock, "placement"):
            manuscript = float_figures(
                manuscript, lambda m: render_edition(config, m, edition, figures=figures, typeset=typeset,
                                                     images=images, table_fits=fits),
                trial, _PLACEMENTS, salt=repr(fontconfig_stamp()))
            while len(_PLACEMENTS) > _PLACEMENTS_KEPT:
                del _PLACEMENTS[next(iter(_PLACEMENTS))]
    placed = manuscript

    def render(marks: dict[str, str] | None = None) -> str:
        return render_edition(config, placed, edition, figures=figures, typeset=typeset, marks=marks,
                              images=images, table_fits=fits)

    if config.footnotes.numbering == "page" and has_notes(placed):   # ①②③ from each page's first note
        from .notes import settle_marks

        with _stage(clock, "notes"):
            first = placeholder_marks(placed)
            key = hashlib.sha256(f"{fontconfig_stamp()!r}\0{render(first)}".encode()).hexdigest()
            html, document = settle_marks(render, lambda html: render_document(html, options), first,
                                          _NOTE_MARKS, key)
            return html, document, placed
    with _stage(clock, "layout"):
        return render(), None, placed


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


def _stage(clock: Stopwatch | None, name: str) -> AbstractContextManager[None]:
    return clock.stage(name) if clock is not None else nullcontext()
