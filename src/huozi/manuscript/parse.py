"""Parse front matter + CommonMark into the book model, keeping source line numbers."""
from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..errors import ManuscriptError, SourceLocation
from ..sources import read_text
from ..text.chars import is_wide
from .model import Article, Block, FigureRef, Heading, Inline, Manuscript, Paragraph, Photo, Section

# Pandoc and Quarto spell the byline `author` (one name or a list) and give a `date`: both are
# accepted beside huozi's own `byline`, which wins when both are given.
FRONT_MATTER_KEYS = {"title": str, "subtitle": str, "byline": str, "order": int, "author": list, "date": str}
REQUIRED_KEYS = ("title",)
CONTAINERS = ("preface", "photo", "figure")


def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a manuscript is shown as text, never passed to the layout.
    md = MarkdownIt("commonmark", {"html": False}).use(front_matter_plugin)
    for name in CONTAINERS:
        md.use(container_plugin, name=name)
    return md


_MD = _markdown()


def join_soft_break(before: str, after: str) -> str:
    """What a soft line break becomes: nothing next to Han text, a space between Western words."""
    if before and after and (is_wide(before[-1]) or is_wide(after[0])):
        return ""
    return " "


# Characters XML 1.0 forbids (C0 controls but tab and newlines; U+FFFE, U+FFFF): they would make
# the EPUB's XHTML ill-formed, and no editor means to type them (a form feed pasted from a PDF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _read(path: Path) -> str:
    text = read_text(path, ManuscriptError)  # UTF-8, BOM dropped, CR and CRLF made LF
    if found := _FORBIDDEN.search(text):
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise ManuscriptError(
            f"control character U+{ord(found[0]):04X} in the text", SourceLocation(path, line, column),
            "delete it (it is invisible in most editors; it often comes from text pasted out of a PDF)",
        )
    return text


def _front_matter(path: Path, token: Token | None) -> dict:
    if token is None:
        raise ManuscriptError(
            "no front matter", SourceLocation(path, 1),
            "start the file with ---, a 'title: …' line, and --- again",
        )
    try:
        data = yaml.safe_load(token.content) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # +2: YAML counts from 0 and the front matter starts after the opening --- line.
        line, column = (mark.line + 2, mark.column + 1) if mark is not None else (1, None)
        raise ManuscriptError(
            f"malformed front matter: {getattr(exc, 'problem', exc)}", SourceLocation(path, line, column),
            "front matter is YAML: one 'key: value' per line",
        ) from None
    if not isinstance(data, dict):
        raise ManuscriptError("front matter must be 'key: value' lines", SourceLocation(path, 2))
    lines = token.content.splitlines()
    for key, value in data.items():
        line = next((i + 2 for i, s in enumerate(lines) if s.startswith(f"{key}:")), 2)
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(str(key), FRONT_MATTER_KEYS, n=1)
            raise ManuscriptError(
                f"unknown front matter field '{key}'", SourceLocation(path, line),
                f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(FRONT_MATTER_KEYS)}",
            )
        expected = FRONT_MATTER_KEYS[key]
        if expected is str and isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
            data[key] = value = value.isoformat() if isinstance(value, dt.date) else str(value)
        if expected is list and isinstance(value, str):
            data[key] = value = [value]
        if expected is list and isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            continue
        if not isinstance(value, expected) or isinstance(value, bool) or expected is list:
            wanted = {int: "a number", str: "text", list: "a name or a list of names"}[expected]
            raise ManuscriptError(f"front matter field '{key}' must be {wanted}", SourceLocation(path, line),
                                  "write e.g. 'author: 张三' or 'author: [张三, 李四]'" if expected is list else None)
    for key in REQUIRED_KEYS:
        if not data.get(key):
            raise ManuscriptError(
                f"front matter lacks the required field '{key}'", SourceLocation(path, 2),
                f"add a line '{key}: …' between the --- lines",
            )
    return data


def _inlines(token: Token) -> tuple[Inline, ...]:
    """Flatten an inline token into styled runs; soft breaks follow the CJK rule."""
    runs: list[Inline] = []
    styles: list[str] = []
    href = ""
    children = token.children or []
    for index, child in enumerate(children):
        kind = styles[-1] if styles else "text"
        if child.type == "text":
            runs.append(Inline(kind, child.content, href))
        elif child.type == "code_inline":
            runs.append(Inline("code", child.content))
        elif child.type == "softbreak":
            before = "".join(r.text for r in runs)
            after = next((c.content for c in children[index + 1:] if c.content), "")
            joiner = join_soft_break(before, after)
            if joiner:
                runs.append(Inline(kind, joiner, href))
        elif child.type == "hardbreak":
            runs.append(Inline(kind, "\n", href))
        elif child.type in ("em_open", "strong_open"):
            styles.append(child.type[:-5])
        elif child.type == "link_open":
            styles.append("link")
            href = str(child.attrs.get("href", ""))
        elif child.type in ("em_close", "strong_close", "link_close"):
            if styles:
                styles.pop()
            if child.type == "link_close":
                href = ""
        elif child.type == "image":
            runs.append(Inline(kind, child.content, href))
    merged: list[Inline] = []
    for run in runs:
        if merged and merged[-1].kind == run.kind and merged[-1].href == run.href:
            merged[-1] = Inline(run.kind, merged[-1].text + run.text, run.href)
        elif run.text:
            merged.append(run)
    return tuple(merged)


_LEAF_OPENERS = ("paragraph_open", "heading_open")


def _check_nesting(path: Path, tokens: list[Token]) -> None:
    """markdown-it silently drops what is nested deeper than maxNesting: refuse instead of losing text."""
    limit = _MD.options["maxNesting"]
    for token in tokens:
        # The blocks inside a container (quote, list, :::) opened at level limit-1 would be parsed
        # at the limit, i.e. dropped; a paragraph or heading there keeps its inline text.
        if token.nesting == 1 and token.level >= limit - 1 and token.type not in _LEAF_OPENERS:
            raise ManuscriptError(
                "quotes, lists or ::: blocks nested too deeply",
                SourceLocation(path, _line(token)),
                "flatten the nesting: text this deep would be lost",
            )


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


class _Builder:
    """Collects tokens into sections; one instance per article."""

    def __init__(self, path: Path, slug: str):
        self.path = path
        self.slug = slug
        self.sections: list[Section] = []
        self.kind = "lead"
        self.container = ""
        self.heading: Heading | None = None
        self.subheading: Heading | None = None
        self.blocks: list[Block] = []

    def close(self) -> None:
        if self.heading or self.blocks:
            anchor = f"{self.slug}-{len(self.sections) + 1}"
            self.sections.append(Section(self.kind, self.heading, self.subheading, tuple(self.blocks), anchor))
        self.kind = self.container or "section"
        self.heading, self.subheading, self.blocks = None, None, []

    def heading_token(self, level: int, text: str, line: int) -> None:
        anchor = f"{self.slug}-h{line}"
        if level <= 2:
            self.close()
            self.heading = Heading(level, text, line, anchor)
        elif level == 3 and self.heading is not None and not self.blocks and self.subheading is None:
            self.subheading = Heading(level, text, line, anchor)
        else:
            self.blocks.append(Heading(level, text, line, anchor))


def _slug(path: Path) -> str:
    stem = re.sub(r"^\d+[-_. ]*", "", path.stem) or path.stem
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower() or "article"
    return slug if slug[0].isalpha() else f"a-{slug}"


def parse_article(path: Path, default_order: int = 0) -> Article:
    """Parse one manuscript file into an Article."""
    source = _read(path)
    tokens = _MD.parse(source)
    _check_nesting(path, tokens)
    front = _front_matter(path, next((t for t in tokens if t.type == "front_matter"), None))
    slug = _slug(path)
    builder = _Builder(path, slug)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            text = "".join(i.text for i in _inlines(tokens[index + 1]))
            builder.heading_token(int(token.tag[1]), text, _line(token))
            index += 3
            continue
        if token.type == "paragraph_open":
            builder.blocks.append(Paragraph(_inlines(tokens[index + 1]), _line(token)))
            index += 3
            continue
        if token.type == "container_preface_open":
            builder.close()
            builder.kind = builder.container = "preface"
        elif token.type == "container_preface_close":
            builder.close()
            builder.container = ""
            builder.kind = "section"
        elif token.type == "container_photo_open":
            index = _photo(path, tokens, index, builder.blocks)
            continue
        elif token.type == "container_figure_open":
            figure_id = token.info.strip()[len("figure"):].strip()
            if not figure_id:
                raise ManuscriptError("figure without an id", SourceLocation(path, _line(token)),
                                      "write '::: figure ID' then ':::' on the next line")
            builder.blocks.append(FigureRef(figure_id, _line(token)))
            while tokens[index].type != "container_figure_close":
                if tokens[index].type == "inline" and tokens[index].content.strip():
                    raise ManuscriptError(  # it would be dropped: the figure's caption comes from its data
                        "text inside '::: figure' would be lost", SourceLocation(path, _line(tokens[index])),
                        "move the text before or after the figure; its caption is set in figures/")
                index += 1
        elif token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open", "fence",
                            "code_block", "table_open", "hr"):
            index = _flatten_other(tokens, index, builder.blocks)
            continue
        index += 1
    builder.close()
    return Article(
        path=path, slug=slug, title=str(front["title"]).strip(),
        order=int(front.get("order", default_order)), sections=tuple(builder.sections),
        subtitle=str(front.get("subtitle", "")).strip(),
        byline=str(front.get("byline", "")).strip() or "、".join(a.strip() for a in front.get("author", ())),
        authors=tuple(a.strip() for a in front.get("author", ())), date=str(front.get("date", "")).strip(),
    )


def _photo(path: Path, tokens: list[Token], index: int, blocks: list[Block]) -> int:
    opener = tokens[index]
    credit = opener.info.strip()[len("photo"):].strip()
    caption: list[Paragraph] = []
    index += 1
    while tokens[index].type != "container_photo_close":
        if tokens[index].type == "inline":
            caption.append(Paragraph(_inlines(tokens[index]), _line(tokens[index])))
        index += 1
    if not caption:
        raise ManuscriptError("photo without a caption", SourceLocation(path, _line(opener)),
                              "write the caption on the lines between '::: photo CREDIT' and ':::'")
    blocks.append(Photo(tuple(caption), credit, _line(opener)))
    return index + 1


def _flatten_other(tokens: list[Token], index: int, blocks: list[Block]) -> int:
    """Lists, quotes and code are kept as plain paragraphs so no text is lost."""
    token = tokens[index]
    if token.type in ("fence", "code_block"):
        blocks.append(Paragraph((Inline("code", token.content.rstrip("\n")),), _line(token)))
        return index + 1
    if token.type == "hr":
        return index + 1
    depth = 0
    while True:
        current = tokens[index]
        depth += current.nesting
        if current.type == "inline":
            blocks.append(Paragraph(_inlines(current), _line(current)))
        index += 1
        if depth == 0:
            return index


def parse_manuscript(folder: Path) -> Manuscript:
    """Parse every `*.md` in `folder` and order the articles by front matter `order`, then name."""
    files = sorted(folder.glob("*.md"))
    if not files:
        raise ManuscriptError(f"no Markdown files in {folder}", SourceLocation(folder),
                              "put one .md file per article in manuscript/")
    project = folder.resolve().parent
    for path in files:
        if not path.resolve().is_relative_to(project):  # a symlink that leads out of the project
            raise ManuscriptError(f"refused to read '{path.resolve()}': it is outside the project folder",
                                  SourceLocation(path),
                                  "copy the file into manuscript/ instead of linking to it")
    articles = [parse_article(path, number) for number, path in enumerate(files, 1)]
    slugs = [a.slug for a in articles]
    for article in articles:
        if slugs.count(article.slug) > 1:
            raise ManuscriptError(f"two articles share the name '{article.slug}'",
                                  SourceLocation(article.path, 1), "rename one of the files")
    articles.sort(key=lambda a: (a.order, a.path.name))
    return Manuscript(tuple(articles), tuple(files))
