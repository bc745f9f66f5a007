"""render_figures: check the facts against the manuscript, then draw (or fetch) every figure."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from ..errors import FigureError, SourceLocation, line_of
from ..manuscript.model import FigureRef, Image, Manuscript
from ..sources import read_text
from . import svg as svgtools
from .cache import FigureCache, figure_key
from .facts import FactBook, check_facts, load_facts, manuscript_tables
from .spec import FigureSpec, load_specs


@dataclass(frozen=True)
class Figure:
    """A drawn figure as the templates see it (`figures[id]` in blocks.html.j2)."""

    id: str
    number: str  # 图1
    caption: str
    source: str  # 数据来源：…
    alt: str  # a sentence that states the numbers
    svg: str  # the SVG document, as stored in the EPUB
    drawn: bool  # False when it came from the cache

    @property
    def svg_inline(self) -> Markup:
        """The SVG element for HTML (PDF editions); safe, it comes from our own drawing code."""
        return Markup(svgtools.inline(self.svg))

    @property
    def file_name(self) -> str:
        """Where the SVG sits inside the EPUB package."""
        return f"images/fig-{self.id}.svg"


@dataclass(frozen=True)
class Figures(Mapping[str, Figure]):
    """All data figures by id, which ids are placed in the manuscript (in reading order), and the
    number (图N) of each image figure by its anchor: images and data figures share one sequence."""

    by_id: dict[str, Figure]
    placed: tuple[str, ...]
    image_labels: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_id or self.image_labels)

    def __getitem__(self, key: str) -> Figure:
        return self.by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    @property
    def drawn(self) -> tuple[str, ...]:
        """Ids of the figures this build had to draw (not found in the cache)."""
        return tuple(f.id for f in self.by_id.values() if f.drawn)


def image_labels(manuscript: Manuscript) -> dict[str, str]:
    """图N of each image figure by its anchor: its place among all figures, data ones included."""
    labels: dict[str, str] = {}
    number = 0
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, (FigureRef, Image)):
                number += 1
                if isinstance(block, Image):
                    labels[block.anchor] = f"图{number}"
    return labels


def _placements(manuscript: Manuscript, specs: dict[str, FigureSpec]) -> tuple[str, ...]:
    """Figure ids in reading order; an unknown id is an error at its directive's line.

    Image figures count in the sequence: a data figure placed after one image is 图2.
    """
    placed: list[str] = []
    first: dict[str, tuple[Path, int]] = {}
    position: dict[str, int] = {}   # data figure id -> its place among all figures
    count = 0
    for article in manuscript.articles:
        for block in article.walk():  # a figure may sit in a list item, a quote or an aside
            if isinstance(block, Image):
                count += 1
            if not isinstance(block, FigureRef):
                continue
            count += 1
            position.setdefault(block.figure_id, count)
            if block.figure_id in first:
                path, line = first[block.figure_id]
                raise FigureError(f"figure '{block.figure_id}' is placed twice (first at {path.name}:{line})",
                                  SourceLocation(article.path, block.line),
                                  f"place each figure once; elsewhere refer to it with @fig-{block.figure_id}")
            first[block.figure_id] = (article.path, block.line)
            if block.figure_id not in specs:
                known = ", ".join(sorted(specs)) or "none yet"
                raise FigureError(f"unknown figure '{block.figure_id}'", SourceLocation(article.path, block.line),
                                  f"figures are specified in figures/*.toml; known ids: {known}")
            placed.append(block.figure_id)
    for spec in sorted(specs.values(), key=lambda s: s.number):
        if spec.id not in placed:  # its number would leave a gap (图1, 图3) and its data unseen
            raise FigureError(f"figure '{spec.id}' ({spec.label}) is never placed in the manuscript",
                              SourceLocation(spec.path, _number_line(spec.path)),
                              f"place it with '::: figure {spec.id}' and ':::' on the next line, "
                              f"or delete {spec.path.parent.name}/{spec.path.name}")
    numbers = [specs[i].number for i in placed]
    wanted = [position[i] for i in placed]
    # (A figure placed twice is refused by the manuscript parser.)
    if len(set(numbers)) == len(numbers) == len(specs) and numbers == sorted(numbers) and numbers != wanted:
        spec, want = next((specs[i], w) for i, w in zip(placed, wanted) if specs[i].number != w)
        images = wanted != list(range(1, len(numbers) + 1))
        raise FigureError(f"the figures are numbered {', '.join(f'图{n}' for n in numbers)}: "
                          f"{spec.label} ('{spec.id}') should be 图{want}",
                          SourceLocation(spec.path, _number_line(spec.path)),
                          "number the figures 1, 2, 3 … in the order they are placed"
                          + (" (image figures count too)" if images else ""))
    if numbers != sorted(numbers):
        early = next(i for a, i in zip(numbers, placed[1:]) if specs[i].number < a)
        raise FigureError(f"图{specs[early].number} ('{early}') comes before a figure with a lower number",
                          SourceLocation(specs[early].path), "number the figures in the order they are placed")
    return tuple(placed)


def _number_line(path: Path) -> int | None:
    return line_of(read_text(path, FigureError), "number")


def _figure(spec: FigureSpec, book: FactBook, cache: FigureCache) -> Figure:
    key = figure_key(spec, book.pairings)
    svg = cache.get(spec, key)
    drawn = svg is None
    if svg is None:
        from .plot import draw  # only now: a fully cached build never imports matplotlib

        svg = svgtools.tidy(draw(spec, book), f"fig-{spec.id}", spec.alt)
        cache.put(spec, key, svg)
    return Figure(spec.id, spec.label, spec.caption, spec.source, spec.alt, svg, drawn)


def render_figures(root: Path, figures_dir: Path, manuscript: Manuscript) -> Figures:
    """Facts checked against the prose, placements checked against the specs, figures drawn or cached."""
    labels = image_labels(manuscript)
    if not (figures_dir / "facts.toml").exists() and not any(
            isinstance(b, FigureRef) for a in manuscript.articles for b in a.walk()):
        return Figures({}, (), labels)  # a book without data figures needs no data file
    book = load_facts(figures_dir)
    tables = manuscript_tables(manuscript)
    check_facts(book, manuscript.files, tables)
    specs = load_specs(figures_dir, book, tables)
    placed = _placements(manuscript, specs)
    cache = FigureCache(root)
    ordered = sorted(specs.values(), key=lambda s: s.number)
    return Figures({s.id: _figure(s, book, cache) for s in ordered}, placed, labels)
