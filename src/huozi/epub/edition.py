"""The writer of the EPUB edition: the model's XHTML packaged, with the print edition's page list.

`WRITER` is what the editions table names (editions.py). The EPUB depends on the print edition
(`depends=("print",)`): the build hands it print's layout, of which it reads only the page texts.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..config import Config
from ..editions import Layout, Model, Written
from ..events import Stopwatch


class EpubWriter:
    """Templates -> XHTML documents (+ the print pages' breaks) -> ebooklib -> reproducible zip."""

    def prepare(self, config: Config) -> None:
        """The cover drawn into the project's cache (0.19 s, when nothing is cached)."""
        from .cover import book_cover

        book_cover(config)

    def write(self, model: Model, laid_out: Layout | None, target: Path, clock: Stopwatch) -> Written:
        from .assemble import assemble_epub
        from .writer import write_epub

        print_pages = next((layout.page_texts for layout in model.layouts.values()), ())
        modified = dt.datetime.fromtimestamp(model.epoch, dt.UTC)
        with clock.stage("layout"):
            package = assemble_epub(model.config, model.manuscript, modified, figures=model.figures, edition=model.edition,
                                    print_pages=print_pages, images=model.images)
        with clock.stage("epub"):
            path = write_epub(package, target, model.epoch)
        return Written(path)


WRITER = EpubWriter()
