"""Render an edition's HTML with WeasyPrint into a PDF file."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError, SourceLocation
from ..output import write_atomic
from ..pagetext import PageText
from ..text.chars import strip_controls
from .boxes import Document
from .fetcher import locate_reference, make_url_fetcher
from .options import PdfOptions
from .pages import read_page_texts

SUBSETS = "subsets"  # the project's cache folder of the PDFs' font subsets (weasy_patch.kept_subsets)
DEFLATED = "deflated"  # and of their long streams deflated (weasy_patch.kept_deflate)


@dataclass(frozen=True)
class PdfResult:
    """A written PDF and its page count."""

    path: Path
    pages: int
    page_texts: tuple[PageText, ...] = field(default=(), repr=False)  # where each page begins


def render_document(html: str, options: PdfOptions, fetched: list[str] | None = None) -> Document:
    """Lay out `html`; the Document gives pages and line boxes to the checks.

    `fetched`, when given, receives the URLs the layout read (stylesheets, images, fonts).
    """
    from .weasy_patch import import_weasyprint

    weasyprint = import_weasyprint()  # here: a build with nothing to do must not pay for it
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_url_fetcher(options.project_root, options.allow_hosts, options.base_dir)
    source = weasyprint.HTML(string=html, base_url=str(options.base_dir) + "/", url_fetcher=fetcher)
    try:
        document = without_break_controls(source.render())
    except FatalURLFetchingError as exc:
        if fetcher.refused:
            raise fetcher.refused[0] from None
        raise _fetch_failed(exc, options) from None
    finally:
        if fetched is not None:
            fetched.extend(fetcher.fetched)
    if options.variant and options.variant.startswith("pdf/ua"):
        from .notes import link_calls

        link_calls(document)  # each footnote call a Link to its note
    return document


def _fetch_failed(exc: BaseException, options: PdfOptions) -> OutputError:
    """A file named by a template or stylesheet cannot be read: say which, and where it is named."""
    url = str(exc).partition('"')[2].rpartition('"')[0] or str(exc)
    cause = exc.__cause__
    reason = getattr(getattr(cause, "reason", None), "strerror", None) or str(cause or exc)
    where = locate_reference(options.project_root, url, options.base_dir) or SourceLocation(options.base_dir)
    shown = url.removeprefix("file://")
    return OutputError(f"cannot read '{shown}': {reason}", where,
                       "check the file name, or add the missing file to the project")


def without_break_controls(document: Document) -> Document:
    """Drop the typesetter's zero-width break controls from the PDF outline's heading labels."""
    for page in document.pages:
        page.bookmarks = [(level, strip_controls(label), *rest) for level, label, *rest in page.bookmarks]
    return document


def write_pdf(html: str, target: Path, options: PdfOptions, document: Document | None = None) -> PdfResult:
    """Lay out and write one PDF edition atomically; `document`, when given, is `html` laid out."""
    from ..cache import cache_path
    from .boxes import drawn_again
    from .finish import make_finisher, set_dates, set_output_intent
    from .weasy_patch import kept_deflate, kept_subsets, marks_drawn_once, press_images, svg_text_runs

    if document is None:
        document = render_document(html, options)
    kwargs: dict[str, str | bytes] = {}
    if options.variant:
        kwargs["pdf_variant"] = options.variant
    if options.identifier:
        kwargs["pdf_identifier"] = options.identifier.encode()
    if options.date:
        set_dates(document, options.date)
    if options.output_profile:
        set_output_intent(document, options.output_profile)
    finisher = make_finisher(options)
    with contextlib.ExitStack() as patches:
        patches.enter_context(kept_subsets(cache_path(options.project_root, SUBSETS)))
        patches.enter_context(kept_deflate(cache_path(options.project_root, DEFLATED)))
        patches.enter_context(svg_text_runs())
        patches.enter_context(marks_drawn_once())
        patches.enter_context(drawn_again(document))
        if options.output_profile:  # PDF/X: images in the press's CMYK, no DeviceRGB
            patches.enter_context(press_images(options.output_profile))
        write_atomic(target, lambda tmp: document.write_pdf(tmp, finisher=finisher, **kwargs))
    return PdfResult(target, len(document.pages), read_page_texts(document))
