"""The book model: plain frozen dataclasses with the source line of every block."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Inline:
    """A run of text with one style; `kind` is text, em, strong, code or link."""

    kind: str
    text: str
    href: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `text` is its plain text, exactly as a reader should extract it."""

    inlines: tuple[Inline, ...]
    line: int

    @property
    def text(self) -> str:
        return "".join(i.text for i in self.inlines)


@dataclass(frozen=True)
class Heading:
    """A heading inside an article (level 2 = section, 3 = subheading or lower)."""

    level: int
    text: str
    line: int
    anchor: str = ""


@dataclass(frozen=True)
class Photo:
    """A photograph named in the text whose image is not supplied: caption and credit only."""

    caption: tuple[Paragraph, ...]
    credit: str
    line: int
    src: str = ""


@dataclass(frozen=True)
class FigureRef:
    """A reference to a data figure by id, placed where the editor typed it."""

    figure_id: str
    line: int


Block = Paragraph | Heading | Photo | FigureRef


@dataclass(frozen=True)
class Section:
    """A part of an article: a preface, or a heading with its subheading and blocks."""

    kind: str  # "lead" (before any heading), "preface" or "section"
    heading: Heading | None
    subheading: Heading | None
    blocks: tuple[Block, ...]
    anchor: str = ""


@dataclass(frozen=True)
class Article:
    """One Markdown file: front matter plus sections."""

    path: Path
    slug: str
    title: str
    order: int
    sections: tuple[Section, ...]
    subtitle: str = ""
    byline: str = ""  # as printed: the front matter's byline, or its authors joined with 、
    authors: tuple[str, ...] = ()
    date: str = ""  # as written in the front matter (Pandoc's `date`)
    title_line: int = 1

    @property
    def source(self) -> str:
        """The manuscript file's name, as templates see it (they get no paths)."""
        return self.path.name

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        """Every paragraph of the body in reading order (captions excluded)."""
        return tuple(b for s in self.sections for b in s.blocks if isinstance(b, Paragraph))

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(b for s in self.sections for b in s.blocks)


@dataclass(frozen=True)
class Manuscript:
    """All articles of the book, in their front-matter order."""

    articles: tuple[Article, ...]
    files: tuple[Path, ...]
