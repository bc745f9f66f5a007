"""In-book ids: where each leads in an edition, the label a cross-reference prints, and the checks.

An id is an article's slug, a heading's `{#id}` (or generated anchor), a table caption's
`{#tbl-id}` or `fig-ID` for a data figure. `[文字](#id)` links to it; Quarto's `@sec-id` /
`@fig-id` / `@tbl-id` print its label (第二章, 2.1节, 图3, 表2) as a link. A link to an id that does not exist is an error at the
manuscript's line, never a dangling anchor.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import ManuscriptError, SourceLocation, did_you_mean
from ..manuscript.model import (
    Article,
    Block,
    FigureRef,
    Heading,
    Image,
    Inline,
    Manuscript,
    Table,
    block_inlines,
    walk_blocks,
)
from ..text.markup import LinkTarget

CHINESE_DIGITS = "〇一二三四五六七八九"

# GB/T 9704-2012 §7.3.3: the levels of an official document's headings.
GB9704 = ("{cn}、", "（{cn}）", "{n}.", "（{n}）")
NUMBERING_STYLES = ("none", "gb9704")


def chinese_number(n: int) -> str:
    """A whole number in Chinese numerals: 1 一, 10 十, 12 十二, 101 一百零一, 110 一百一十,
    1010 一千零一十, 10001 一万零一 (a book may have more than 99 chapters)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    high, low = divmod(n, 10_000)
    if high:
        rest = _below_ten_thousand(low)
        return chinese_number(high) + "万" + ("零" if 0 < low < 1000 else "") + rest
    text = _below_ten_thousand(n)
    return text[1:] if n < 20 else text  # 十二, not 一十二


def _below_ten_thousand(n: int) -> str:
    parts: list[str] = []
    zero = False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            parts.extend(["零"] if zero else [])
            parts.append(CHINESE_DIGITS[digit] + name)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def outline(article: Article) -> Iterator[Heading]:
    """The article's headings in order (section headings and those between blocks)."""
    for section in article.sections:
        if section.heading is not None:
            yield section.heading
        for block in section.blocks:
            if isinstance(block, Heading):
                yield block


def heading_numbers(manuscript: Manuscript, style: str) -> dict[str, str]:
    """anchor -> the printed number of each heading, counted within its article."""
    if style != "gb9704":
        return {}
    numbers: dict[str, str] = {}
    for article in manuscript.articles:
        counters = [0] * 7
        for heading in outline(article):
            if heading.level > 1 + len(GB9704):
                continue
            counters[heading.level] += 1
            for deeper in range(heading.level + 1, 7):
                counters[deeper] = 0
            n = counters[heading.level]
            numbers[heading.anchor] = GB9704[heading.level - 2].format(cn=chinese_number(n), n=n)
    return numbers


def section_labels(manuscript: Manuscript) -> dict[str, tuple[Article, str]]:
    """id -> (its article, the label a cross-reference prints) for articles and headings."""
    labels: dict[str, tuple[Article, str]] = {}
    for index, article in enumerate(manuscript.articles, 1):
        labels[article.slug] = (article, f"第{chinese_number(index)}章")
        counters = [0] * 7
        for heading in outline(article):
            counters[heading.level] += 1
            for deeper in range(heading.level + 1, 7):
                counters[deeper] = 0
            dotted = ".".join(str(c) for c in [index, *counters[2:heading.level + 1]])
            labels[heading.anchor] = (article, f"{dotted}节")
    return labels


def table_numbers(manuscript: Manuscript, numbering: str = "book") -> dict[str, str]:
    """anchor -> 表N of each captioned table: through the book, or 表A-N within article A."""
    numbers: dict[str, str] = {}
    count = 0
    for index, article in enumerate(manuscript.articles, 1):
        if numbering == "article":
            count = 0
        for block in article.walk():
            if isinstance(block, Table) and block.captioned:
                count += 1
                numbers[block.anchor] = f"表{index}-{count}" if numbering == "article" else f"表{count}"
    return numbers


def targets(manuscript: Manuscript, figures: Mapping[str, Any],
            document: Callable[[str], str] | None = None, numbering: str = "book") -> dict[str, LinkTarget]:
    """id -> LinkTarget in one edition: with `document` (`Edition.document`: an article's slug ->
    its file) an id lives in its article's own document, beside the others."""
    found: dict[str, LinkTarget] = {}

    def href(article: Article, ident: str) -> str:
        return f"{document(article.slug)}#{ident}" if document is not None else f"#{ident}"

    for ident, (article, label) in section_labels(manuscript).items():
        found[ident] = LinkTarget(href(article, ident), label)
    labels = getattr(figures, "image_labels", {})
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, FigureRef) and block.figure_id in figures:
                number = str(getattr(figures[block.figure_id], "number", "")) or block.figure_id
                found[f"fig-{block.figure_id}"] = LinkTarget(href(article, f"fig-{block.figure_id}"), number)
            elif isinstance(block, Image) and block.explicit_id:
                found[block.anchor] = LinkTarget(href(article, block.anchor), labels.get(block.anchor, block.anchor))
    numbers = table_numbers(manuscript, numbering)
    for article, table in manuscript.tables:
        if table.anchor in numbers:
            found[table.anchor] = LinkTarget(href(article, table.anchor), numbers[table.anchor])
    return found


def _inline_refs(inlines: tuple[Inline, ...]) -> Iterator[Inline]:
    for run in inlines:
        if run.kind == "xref" or (run.kind == "link" and run.target):
            yield run
        yield from _inline_refs(run.children)
        for paragraph in run.blocks:  # a footnote's text
            yield from _inline_refs(paragraph.inlines)


def _block_inlines(block: Block) -> Iterator[tuple[Inline, ...]]:
    yield from block_inlines(block)


def check_links(manuscript: Manuscript, figures: Mapping[str, Any]) -> None:
    """Every in-book link and cross-reference names an id of the book (a FigureError or
    ManuscriptError at the manuscript's line otherwise)."""
    known = targets(manuscript, figures)  # numbering does not change which ids exist
    for article in manuscript.articles:
        blocks = [h for s in article.sections for h in (s.heading, s.subheading) if h] + list(walk_blocks(
            tuple(b for s in article.sections for b in s.blocks)))
        for block in blocks:
            for inlines in _block_inlines(block):
                for ref in _inline_refs(inlines):
                    if ref.target in known:
                        continue
                    line = ref.line or getattr(block, "line", 1)
                    guess = did_you_mean(ref.target, known)
                    if guess:
                        hint = guess
                    elif ref.target.startswith("tbl-"):
                        hint = "give the table's caption the id: 'Table: 标题 {#" + ref.target + "}' (a table " \
                               "without a caption has no number to refer to)"
                    else:
                        hint = "give the heading an id: '## 标题 {#sec-name}', or correct the reference"
                    what = "cross-reference" if ref.kind == "xref" else "link"
                    raise ManuscriptError(f"{what} to '{ref.target}', an id the book does not have",
                                          SourceLocation(article.path, line), hint)


def toc_tree(article: Article, depth: int, numbers: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The article's contents to `depth` (1 = the article alone): nested {href_id, title, children}.

    A ## heading's entry leads to its <section> (as the bookmarks do), deeper ones to the heading.
    """
    numbers = numbers or {}
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(1, root)]
    for section in article.sections:
        headings = ([(section.heading, section.anchor)] if section.heading else []) + [
            (b, b.anchor) for b in section.blocks if isinstance(b, Heading)]
        for heading, anchor in headings:
            if heading.level > depth:
                continue
            while stack[-1][0] >= heading.level:
                stack.pop()
            children: list[dict[str, Any]] = []
            entry = {"id": anchor, "title": numbers.get(heading.anchor, "") + heading.text, "children": children}
            stack[-1][1].append(entry)
            stack.append((heading.level, children))
    return root
