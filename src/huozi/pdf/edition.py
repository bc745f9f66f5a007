"""The writer of a paged edition (handout, print): its layout written as a PDF, and measured.

`WRITER` is what the editions table names (editions.py). The layout is `pdf.layout.lay_out`'s;
the PDF is written inside the clreq layout again (`cjk_layout_for`): drawing rounds glyph
positions as the patch wants and tags the blocks huozi adds.
"""
from __future__ import annotations

from pathlib import Path

from ..editions import Layout, Model, Written
from ..events import BuildWarning, Stopwatch, collect_warnings
from .layout import LaidOut


class PdfWriter:
    """Writes a laid-out edition as PDF (its variant's conformance), lints its pages, and warns of
    images a press edition places below the book's minimum resolution."""

    def write(self, model: Model, laid_out: Layout | None, target: Path, clock: Stopwatch) -> Written:
        from ..checks.images import resolution_warnings
        from ..checks.lint import lint_document
        from ..text.typeset import rules_for
        from .variants import VARIANTS
        from .weasy_patch import cjk_layout_for
        from .writer import write_pdf

        assert isinstance(laid_out, LaidOut), "a paged edition is written from its own layout (pdf.layout.lay_out)"
        config, edition = model.config, model.edition
        warnings: list[BuildWarning] = list(laid_out.warnings)
        with cjk_layout_for(config.typography):
            with clock.stage("pdf"), collect_warnings("weasyprint", edition.name) as written:
                result = write_pdf(laid_out.html, target, laid_out.options, laid_out.document)
        warnings += written
        # Even colour for the report, and the findings `huozi check` reads (files named from the project folder).
        lint = lint_document(laid_out.document, edition.name, config.manuscript_dir.relative_to(config.root),
                             rules_for(config))
        variant = VARIANTS.get(edition.paged.variant) if edition.paged is not None else None
        if variant is not None and variant.press and model.images is not None:  # print-ready resolution
            warnings.extend(resolution_warnings(laid_out.document, model.images, config.images.min_ppi, edition.name))
        return Written(result.path, result.pages, tuple(warnings), lint.metrics(), lint.record())


WRITER = PdfWriter()
