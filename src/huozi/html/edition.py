"""The writer of the html edition: a static site in a folder, from the model, with the print
edition's page numbers in the margin.

`WRITER` is what the editions table names (editions.py). The site depends on the print edition
(`depends=("print",)`) for those numbers; with `[html] page_numbers = false` it reads nothing of
print's layout.
"""
from __future__ import annotations

from pathlib import Path

from ..editions import Layout, Model, Written
from ..events import Stopwatch


class HtmlWriter:
    """Templates -> XHTML pages (+ the print pages' breaks) -> HTML, web fonts -> a site folder."""

    def write(self, model: Model, laid_out: Layout | None, target: Path, clock: Stopwatch) -> Written:
        from .assemble import assemble_site
        from .writer import write_site

        print_pages = next((layout.page_texts for layout in model.layouts.values()), ())
        with clock.stage("layout"):
            site = assemble_site(model.config, model.manuscript, figures=model.figures,
                                 print_pages=print_pages, images=model.images)
        with clock.stage("html"):
            path = write_site(site, target)
        return Written(path)


WRITER = HtmlWriter()
