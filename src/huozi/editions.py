"""The editions table: what a book can be built into, and everything the build knows of each.

One row per edition. The pipeline, the command line's `--edition` choices, the staleness of
outputs (state.py), the checks of `huozi check` (checks/base.py) and the typography lint all
read this table; none of them names an edition. Adding an edition is a row here, a writer
module and its templates (CONTRIBUTING.md walks through one).

Imports nothing heavy: a build with nothing to do reads this table. A writer and a check are
named as "module:attribute" and imported only when that edition is built or checked.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .events import BuildWarning, Stopwatch
from .pagetext import PageText

if TYPE_CHECKING:
    from .config import Config
    from .figures import Figures
    from .figures.images import ImageSet
    from .manuscript import Manuscript


@dataclass(frozen=True)
class Paged:
    """How an edition laid out into pages by WeasyPrint (huozi.pdf.layout.lay_out) is laid out."""

    variant: str                 # its row in pdf/variants.py: the conformance it claims
    float_figures: bool = False  # figures move to the top or bottom of their page (a book's print pages)
    turn_tables: bool = False    # a table too wide for the measure is set a quarter turn, part by part


class Layout(Protocol):
    """A paged edition's layout as other editions see it: where each of its pages begins.
    (huozi.pdf.layout.LaidOut is one; only the PDF writer reads the rest of it.)"""

    @property
    def page_texts(self) -> tuple[PageText, ...]: ...


@dataclass(frozen=True)
class Model:
    """What every edition is made from: the book as parsed, its figures and images, the build's date,
    and the layouts of the editions it depends on (`Edition.depends`)."""

    edition: Edition
    config: Config
    manuscript: Manuscript
    figures: Figures
    images: ImageSet | None
    epoch: int
    layouts: Mapping[str, Layout] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """One edition's file, written (to a temporary place the build moves into the output folder)."""

    path: Path
    pages: int | None = None
    warnings: tuple[BuildWarning, ...] = ()
    typography: dict[str, Any] | None = None  # the lint's measures of the laid-out pages (checks.lint)
    lint: dict[str, Any] | None = None        # the lint's summary and findings, for `huozi check`


class Writer(Protocol):
    """Writes one edition: from its own layout (a paged edition) or from the model alone."""

    def write(self, model: Model, laid_out: Layout | None, target: Path, clock: Stopwatch) -> Written: ...


def prepare(edition: Edition, config: Config) -> None:
    """What the edition's writer can make from the config alone, into the project's cache, before
    the book is read (its optional `prepare(config)`: the EPUB's cover): a worker does it while it
    waits for the figures, so the write, at the end of a build, finds it made."""
    method = getattr(edition.load_writer(), "prepare", None)
    if method is not None:
        method(config)


@dataclass(frozen=True)
class Edition:
    """One output of the book."""

    name: str
    template: str             # the main template, in styles/ (or huozi's theme)
    # The markup its templates write: "pdf" (HTML for WeasyPrint), "epub" (XHTML) or "html" (a web page).
    kind: str
    suffix: str               # appended to book.slug: the output's name
    writer: str               # "module:attribute" of its Writer
    paged: Paged | None = None            # laid out into pages by WeasyPrint; None: written from the model
    depends: tuple[str, ...] = ()         # paged editions whose layout it uses (built first, in the same worker)
    # A book.toml switch ("html.page_numbers") that, when false, means the writer reads nothing of
    # `depends`: they are then not laid out for it (they still group it and make it stale).
    depends_when: str | None = None
    checks: tuple[tuple[str, str], ...] = ()  # (check name, "module:function") run by `huozi check`
    # Style files and folders only this edition reads, by name before the first dot
    # ("print" -> print.css, print.html.j2, print/): a change to them leaves the other editions current.
    styles: tuple[str, ...] = ()
    links: bool = True        # its links can be followed (false on paper: the text says where instead)
    # How its markup is cut and linked (layout/render.py, layout/links.py, text/markup.py):
    # each article in a document of its own, named by this pattern, cross-references between them
    # ("chapter-{slug}.xhtml"); None: the whole book is one document and links are "#id".
    chapters: str | None = None
    # "foot": a footnote is an <fn> the PDF stylesheets float to the page foot; "end": a noteref
    # link in the text and the note in an <aside> at the article's end (EPUB 3 semantics); "side":
    # a noteref, and the note in an <aside> right after the block that calls it (the html edition).
    notes: str = "foot"
    # Images named relative to the documents, with this prefix ("../": the package's documents are
    # in text/, the images beside it); None: by file URI, read by WeasyPrint from the project.
    assets: str | None = None
    folder: bool = False      # the output is a folder of files (a web site), replaced whole
    # Documents the writer makes itself beside the chapters ("index.html"): an article whose
    # chapter name would be one of them is named "article-NAME" instead.
    own_documents: tuple[str, ...] = ()

    def layouts_needed(self, config: Config) -> tuple[str, ...]:
        """The editions whose layouts this build of it reads (`depends`, unless `depends_when` is off)."""
        if self.depends_when is None:
            return self.depends
        section, _, key = self.depends_when.partition(".")
        return self.depends if getattr(getattr(config, section), key) else ()

    def document(self, slug: str) -> str:
        """The document an article is in (with `chapters`), as linked from another beside it."""
        name = (self.chapters or "{slug}").format(slug=slug)
        return f"article-{name}" if name.lower() in self.own_documents else name

    def load_writer(self) -> Writer:
        return load(self.writer)  # type: ignore[no-any-return]


def load(reference: str) -> Any:
    """The object a "module:attribute" reference names (imported now)."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


_PDF_CHECKS = (("qpdf", "huozi.checks.pdf_structure:check_qpdf"), ("fonts", "huozi.checks.pdf_structure:check_fonts"),
               ("typography", "huozi.checks.lint:check_typography"))

EDITIONS: dict[str, Edition] = {
    # The A4 handout: tagged PDF/UA-1, bookmarks, links.
    "handout": Edition(
        "handout", "handout.html.j2", "pdf", "-handout.pdf", "huozi.pdf.edition:WRITER",
        paged=Paged("handout"), styles=("handout",),
        checks=(*_PDF_CHECKS, ("pdf-tags", "huozi.checks.pdf_tags:check_tags"),
                ("pdfua", "huozi.checks.validators:run_pdfua"))),
    # The press edition: PDF/X-4, trim, bleed and marks; figures at a page's top or bottom.
    "print": Edition(
        "print", "print.html.j2", "pdf", "-print.pdf", "huozi.pdf.edition:WRITER",
        paged=Paged("print", float_figures=True, turn_tables=True), styles=("print",), links=False,
        checks=(*_PDF_CHECKS, ("press-colour", "huozi.checks.pdf_colour:check_press_colour"),
                ("images", "huozi.checks.images:check_image_resolution"))),
    # EPUB 3, its page list mapped to the print edition's pages.
    "epub": Edition(
        "epub", "epub/article.xhtml.j2", "epub", ".epub", "huozi.epub.edition:WRITER",
        depends=("print",), styles=("epub",), chapters="chapter-{slug}.xhtml", notes="end", assets="../",
        checks=(("epubcheck", "huozi.checks.epubcheck:run_epubcheck"), ("ace", "huozi.checks.validators:run_ace"))),
    # A static web site: an index and a page per article, the print pages' numbers in the margin.
    "html": Edition(
        "html", "html/article.html.j2", "html", "-html", "huozi.html.edition:WRITER",
        depends=("print",), depends_when="html.page_numbers", styles=("html",), chapters="{slug}.html", notes="side", assets="",
        folder=True, own_documents=("index.html", "404.html"),
        checks=(("site", "huozi.checks.html_site:check_site"), ("axe", "huozi.checks.html_axe:run_axe"))),
}


def paged_editions() -> tuple[str, ...]:
    """The editions WeasyPrint lays out into pages (the ones the typography lint measures)."""
    return tuple(name for name, edition in EDITIONS.items() if edition.paged is not None)


def worker_groups(names: list[str] | tuple[str, ...] | None = None) -> tuple[tuple[str, ...], ...]:
    """The editions in groups that one worker builds in order: an edition with the editions it
    depends on (their layouts are in that worker's memory), the rest one group each."""
    chosen = list(EDITIONS) if names is None else [n for n in EDITIONS if n in names]
    groups: list[list[str]] = []
    for name in EDITIONS:
        related = {name, *EDITIONS[name].depends}
        joined = [g for g in groups if related & set(g) or any(name in EDITIONS[m].depends for m in g)]
        merged = [m for g in joined for m in g] + [name]
        groups = [g for g in groups if g not in joined] + [merged]
    order = build_order()
    ordered = [tuple(n for n in order if n in g and n in chosen) for g in groups]
    return tuple(g for g in ordered if g)


def build_order() -> tuple[str, ...]:
    """Every edition after the editions it depends on, otherwise in the table's order."""
    done: list[str] = []

    def visit(name: str, seen: tuple[str, ...]) -> None:
        if name in seen:
            raise ValueError(f"editions depend on each other: {' -> '.join((*seen, name))}")
        for other in EDITIONS[name].depends:
            visit(other, (*seen, name))
        if name not in done:
            done.append(name)

    for name in EDITIONS:
        visit(name, ())
    return tuple(done)
