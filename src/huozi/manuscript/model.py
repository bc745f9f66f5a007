"""The book model: plain frozen dataclasses with the source line of every block."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

INLINE_KINDS = ("text", "em", "strong", "strike", "code", "break", "link", "xref", "note")


@dataclass(frozen=True)
class Inline:
    """A piece of running text: a leaf (text, code, break) or a styled span holding children.

    `kind` is one of INLINE_KINDS. A link carries `href`; a cross-reference (`@sec-id`, or a
    link to `#id`) carries `target` (the id) and, for `@…`, no children: the layout writes the
    target's numbered label. A footnote call (`[^id]` or `^[…]`) carries the note's id as
    `target` and its paragraphs as `blocks`: the note travels with its call. `text` of a span is
    empty; `plain` is what a reader extracts from the running text (a note's text is elsewhere).
    """

    kind: str
    text: str = ""
    href: str = ""
    children: tuple[Inline, ...] = ()
    target: str = ""
    line: int = 0
    blocks: tuple[Paragraph, ...] = ()

    @property
    def plain(self) -> str:
        if self.kind == "break":
            return "\n"
        return self.text + "".join(c.plain for c in self.children)


def notes_in(inlines: tuple[Inline, ...]):
    """The footnote calls among `inlines` (and inside their spans), in reading order."""
    for run in inlines:
        if run.kind == "note":
            yield run
        yield from notes_in(run.children)


def plain_text(inlines: tuple[Inline, ...]) -> str:
    return "".join(i.plain for i in inlines)


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; `text` is its plain text, exactly as a reader should extract it."""

    inlines: tuple[Inline, ...]
    line: int

    @property
    def text(self) -> str:
        return plain_text(self.inlines)


@dataclass(frozen=True)
class Heading:
    """A heading inside an article: level 2 (`##`) to 5 (`#####`); `#` is read as level 2.

    `anchor` is the author's `{#id}` or a generated one; `number` the GB/T 9704 label
    (一、（一）1.（1）) when `[headings] numbering` is on.
    """

    level: int
    text: str
    line: int
    anchor: str = ""
    inlines: tuple[Inline, ...] = ()
    number: str = ""
    explicit_id: bool = False


@dataclass(frozen=True)
class ListItem:
    """One item of a list; its blocks may hold further lists (real nesting)."""

    blocks: tuple[Block, ...]
    line: int


@dataclass(frozen=True)
class List:
    """A bulleted or ordered list; `start` is the first number, `tight` when no item is spaced."""

    ordered: bool
    items: tuple[ListItem, ...]
    line: int
    start: int = 1
    tight: bool = True
    depth: int = 1


@dataclass(frozen=True)
class Quote:
    """A block quote; `attribution` is its last paragraph when that starts with ——."""

    blocks: tuple[Block, ...]
    line: int
    attribution: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class CodeBlock:
    """Code exactly as typed (no trailing newline); `language` from the fence's info string."""

    text: str
    line: int
    language: str = ""


@dataclass(frozen=True)
class Rule:
    """A thematic break (`---`, `***`): a section break inside the text."""

    line: int


@dataclass(frozen=True)
class Admonition:
    """`::: note|tip|warning|important|caution` or Quarto's `::: {.callout-note title="…"}`."""

    kind: str
    blocks: tuple[Block, ...]
    line: int
    title: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class DefinitionItem:
    term: tuple[Inline, ...]
    definitions: tuple[tuple[Block, ...], ...]
    line: int


@dataclass(frozen=True)
class DefinitionList:
    """Pandoc's definition list: `Term` then `: definition` lines."""

    items: tuple[DefinitionItem, ...]
    line: int


@dataclass(frozen=True)
class Photo:
    """A photograph named in the text whose image is not supplied: caption and credit only."""

    caption: tuple[Paragraph, ...]
    credit: str
    line: int
    src: str = ""


@dataclass(frozen=True)
class Image:
    """An image file shown as a numbered figure: a paragraph holding only `![caption](path)`.

    `path` is the file inside the project (resolved from the manuscript's folder; checked when
    the book is built); `caption` the bracketed text, `alt` what a screen reader says (Quarto's
    `fig-alt`, else the caption's text; empty is a warning), `anchor` the author's `{#fig-id}`
    or a generated one, `width` the `width=` attribute as CSS (`60%`, `8cm`) or empty.
    """

    src: str
    path: Path | None             # None for a web address (fetched, if allowed, when the book is built)
    caption: tuple[Inline, ...]
    alt: str
    line: int
    anchor: str = ""
    title: str = ""
    width: str = ""
    explicit_id: bool = False


@dataclass(frozen=True)
class FigureRef:
    """A reference to a data figure by id, placed where the editor typed it."""

    figure_id: str
    line: int


@dataclass(frozen=True)
class TableCell:
    """One cell: running text (no blocks, as in GFM), with the line of its row."""

    inlines: tuple[Inline, ...]
    line: int

    @property
    def text(self) -> str:
        return plain_text(self.inlines).strip()


@dataclass(frozen=True)
class TableRow:
    """A row of cells, as many as the table has columns (a short row is padded with empty cells)."""

    cells: tuple[TableCell, ...]
    line: int


# A cell that holds only a number as a report prints one: 1,234.5  -3  12.5%  +0.8‰  (and — for none).
_NUMBER = re.compile(r"[+\-−±]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[%‰]?")
_NO_VALUE = frozenset({"", "—", "——", "-", "–", "…", "……", "/"})
SHORT_CELL = 6


def is_numeric(text: str) -> bool:
    """Whether a cell's text is a number (a column of them is right-aligned, in tabular figures)."""
    return bool(_NUMBER.fullmatch(text.strip()))


@dataclass(frozen=True)
class Table:
    """A GFM pipe table with its Pandoc caption (`Table: 标题 {#tbl-id}` or `: 标题`) and notes.

    `align` is each column's alignment as typed in the delimiter row ("left", "right",
    "center", or "" when none was given); `alignment` is the one to set: a column with no
    typed alignment whose every body cell is a number is right-aligned, others left.
    `notes` are the paragraphs under the table that start with 注： or 数据来源： (and the like).
    `number` is 表N (or 表2-1 per article), filled in when the book is put together.
    """

    header: tuple[TableRow, ...]
    rows: tuple[TableRow, ...]
    align: tuple[str, ...]
    line: int
    caption: tuple[Inline, ...] = ()
    anchor: str = ""
    explicit_id: bool = False
    caption_line: int = 0
    notes: tuple[Paragraph, ...] = ()

    @property
    def columns(self) -> int:
        return len(self.align)

    @property
    def numeric(self) -> tuple[bool, ...]:
        """Per column: every body cell is a number or holds no value (and one at least is a number)."""
        found = []
        for column in range(self.columns):
            texts = [row.cells[column].text for row in self.rows]
            found.append(any(is_numeric(t) for t in texts) and all(is_numeric(t) or t in _NO_VALUE for t in texts))
        return tuple(found)

    @property
    def alignment(self) -> tuple[str, ...]:
        return tuple(typed or ("right" if numeric else "left") for typed, numeric in zip(self.align, self.numeric))

    @property
    def short(self) -> tuple[bool, ...]:
        """Per column: no body cell longer than SHORT_CELL characters (a reflowing reader keeps it on one line)."""
        return tuple(all(len(row.cells[column].text) <= SHORT_CELL for row in self.rows)
                     for column in range(self.columns))

    @property
    def captioned(self) -> bool:
        """A table with a caption line is numbered (表N) and can be referred to."""
        return bool(self.caption_line)

    @property
    def title(self) -> str:
        return plain_text(self.caption).strip()


Block = (Paragraph | Heading | Photo | FigureRef | Image | List | Quote | CodeBlock | Rule | Admonition
         | DefinitionList | Table)


@dataclass(frozen=True)
class Section:
    """A part of an article: a preface, or a heading with its subheading and blocks."""

    kind: str  # "lead" (before any heading), "preface" or "section"
    heading: Heading | None
    subheading: Heading | None
    blocks: tuple[Block, ...]
    anchor: str = ""


@dataclass(frozen=True)
class ManuscriptWarning:
    """Something the parser read in a way the author may not have meant, without losing text."""

    message: str
    path: Path
    line: int


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
    warnings: tuple[ManuscriptWarning, ...] = ()

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

    def walk(self) -> Iterator[Block]:
        """Every block of the body, nested ones included, in reading order."""
        for section in self.sections:
            yield from walk_blocks(section.blocks)

    @property
    def notes(self) -> tuple[Inline, ...]:
        """The article's footnote calls in reading order (each note is called once)."""
        return tuple(note for block in self.walk() for inlines in block_inlines(block)
                     for note in notes_in(inlines))

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(b for b in self.walk() if isinstance(b, Image))


def block_inlines(block: Block) -> Iterator[tuple[Inline, ...]]:
    """The runs of text a block holds itself (not those of the blocks nested in it)."""
    if isinstance(block, Paragraph):
        yield block.inlines
    elif isinstance(block, Heading):
        yield block.inlines
    elif isinstance(block, Image):
        yield block.caption
    elif isinstance(block, Table):
        yield block.caption
        for row in block.header + block.rows:
            for cell in row.cells:
                yield cell.inlines
        for paragraph in block.notes:
            yield paragraph.inlines
        return
    for name in ("attribution", "title"):
        value = getattr(block, name, ())
        if isinstance(value, tuple) and value and isinstance(value[0], Inline):
            yield value
    for item in getattr(block, "items", ()):
        if hasattr(item, "term"):
            yield item.term
    for paragraph in getattr(block, "caption", ()):
        if isinstance(paragraph, Paragraph):
            yield paragraph.inlines


def block_notes(block) -> tuple[Inline, ...]:
    """The footnote calls of a block and of the blocks nested in it, in reading order."""
    return tuple(note for inner in walk_blocks((block,)) for inlines in block_inlines(inner)
                 for note in notes_in(inlines))


def child_blocks(block) -> tuple:
    """The blocks directly inside a container block."""
    if isinstance(block, List):
        return tuple(b for item in block.items for b in item.blocks)
    if isinstance(block, (Quote, Admonition)):
        return block.blocks
    if isinstance(block, DefinitionList):
        return tuple(b for item in block.items for d in item.definitions for b in d)
    return ()


def walk_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    for block in blocks:
        yield block
        yield from walk_blocks(child_blocks(block))


@dataclass(frozen=True)
class Manuscript:
    """All articles of the book, in their front-matter order."""

    articles: tuple[Article, ...]
    files: tuple[Path, ...]

    @property
    def warnings(self) -> tuple[ManuscriptWarning, ...]:
        return tuple(w for a in self.articles for w in a.warnings)

    @property
    def tables(self) -> tuple[tuple[Article, Table], ...]:
        """Every table with its article, in reading order."""
        return tuple((a, b) for a in self.articles for b in a.walk() if isinstance(b, Table))
