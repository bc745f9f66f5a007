"""Parse front matter + CommonMark into the book model, keeping source line numbers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import stat
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..errors import ManuscriptError, SourceLocation, did_you_mean, line_of
from ..sources import read_text
from ..text.chars import is_wide
from .model import (
    Admonition,
    Article,
    Block,
    CodeBlock,
    DefinitionItem,
    DefinitionList,
    FigureRef,
    Heading,
    Image,
    Inline,
    List,
    ListItem,
    Manuscript,
    ManuscriptWarning,
    Paragraph,
    Photo,
    Quote,
    Rule,
    Section,
    Table,
    TableCell,
    TableRow,
    plain_text,
)

# Pandoc and Quarto spell the byline `author` (one name or a list) and give a `date`: both are
# accepted beside huozi's own `byline`, which wins when both are given.
FRONT_MATTER_KEYS = {"title": str, "subtitle": str, "byline": str, "order": int, "author": list, "date": str}
REQUIRED_KEYS = ("title",)
CONTAINERS = ("preface", "photo", "figure")
# Admonitions: the Pandoc/MyST spelling `::: note` and Quarto's `::: {.callout-note}`.
ADMONITIONS = ("note", "tip", "warning", "important", "caution")
MAX_INLINE_DEPTH = 16
MAX_LIST_DEPTH = 6  # deeper, the PDFs' hanging indents would leave a column a few characters wide


def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a manuscript is shown as text, never passed to the layout.
    # GFM tables are read into Table blocks. The footnote plugin reads [^id] calls, [^id]:
    # definitions and Pandoc's ^[inline] notes.
    md = (MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
          .use(front_matter_plugin).use(deflist_plugin).use(footnote_plugin))
    # One container rule for every `:::` block; the parser sorts them by name and refuses
    # names it does not know (a container rule per name would print an unknown one as text).
    md.use(container_plugin, name="div", validate=lambda params, *_: bool(params.strip()))
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
            raise ManuscriptError(
                f"unknown front matter field '{key}'", SourceLocation(path, line),
                did_you_mean(str(key), FRONT_MATTER_KEYS) or f"known fields: {', '.join(FRONT_MATTER_KEYS)}",
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


_XREF = re.compile(r"(?<![A-Za-z0-9_.@/-])@((?:sec|fig|tbl)-[A-Za-z0-9_-]*[A-Za-z0-9_])")
_ATTRS = re.compile(r"\s*\{([^{}]*)\}\s*$")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")
# Pandoc's table caption: a paragraph starting `Table:` (or `table:`, or a bare `:`), directly
# before or after the table; Quarto writes it after, `: 标题 {#tbl-id}`.
_CAPTION = re.compile(r"(?:[Tt]able:|:(?=\s))\s*")
# Notes under a table (a Chinese report's 表注 and source line), set in the caption's small style.
_TABLE_NOTE = re.compile(r"(?:注|说明|数据来源|资料来源|来源)[：:]")
# A delimiter row of a GFM table (| :--- | ---: |): under a line with pipes, it means a table.
_DELIMITER_ROW = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?")
_ALIGN = {"text-align:left": "left", "text-align:right": "right", "text-align:center": "center"}
# Constructs markdown-it reads that huozi cannot set yet, each refused by name: none today.
_NOT_YET: dict[str, tuple[str, str]] = {}
# `[^id]` left as text: the plugin found no definition for it.
_UNDEFINED_NOTE = re.compile(r"\[\^([^\]\s]+)\]")
# Marks a paragraph-final call moves in front of: the call belongs to the sentence they close.
_CALL_BEFORE = "。！？；，：、"
# What `![…](path){…}` may say: an id, the width and Quarto's separate alt text.
_IMAGE_ATTRS = ("id", "width", "fig-alt")
_WIDTH = re.compile(r"(\d+(?:\.\d+)?)(%|mm|cm|in|pt|px|em)")


def parse_attrs(text: str) -> dict[str, str]:
    """Pandoc attributes `#id .class key="value"` (the part between braces)."""
    found: dict[str, str] = {}
    for match in re.finditer(r'#([^\s#.]+)|\.([^\s#.=]+)|([A-Za-z_][\w-]*)=(?:"([^"]*)"|(\S+))', text):
        ident, cls, key, quoted, bare = match.groups()
        if ident:
            found["id"] = ident
        elif cls:
            found["class"] = (found.get("class", "") + " " + cls).strip()
        else:
            found[key] = quoted if quoted is not None else bare
    return found


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


class _Parser:
    """Turns one file's token stream into blocks; refuses what it cannot render, at its line."""

    def __init__(self, path: Path, source: str, slug: str):
        self.path = path
        self.lines = source.splitlines()
        self.slug = slug
        self.ids: dict[str, int] = {}
        self.warnings: list[ManuscriptWarning] = []
        # Footnotes: the plugin's note number -> (its paragraphs, its label); the calls seen so far.
        self.notes: dict[int, tuple[tuple[Paragraph, ...], str | None]] = {}
        self.calls = 0
        # The article's title is its front matter: a file that uses # for its sections has
        # every level one deeper than one that starts at ##.
        self.shift = 0

    def error(self, message: str, line: int, hint: str) -> ManuscriptError:
        return ManuscriptError(message, SourceLocation(self.path, line), hint)

    def claim_id(self, ident: str, line: int) -> str:
        if not _ID.match(ident):
            raise self.error(f"'{ident}' cannot be an id", line,
                             "an id starts with a letter and holds letters, digits, - and _ (e.g. {#sec-cases})")
        if ident in self.ids:
            raise self.error(f"the id '{ident}' is used twice (first at line {self.ids[ident]})", line,
                             "give each heading or table its own {#id}")
        self.ids[ident] = line
        return ident

    # -- inlines -------------------------------------------------------------------------------

    def inlines(self, token: Token, notes: str = "") -> tuple[Inline, ...]:
        """A tree of inline runs; soft breaks follow the CJK rule, `@sec-id` becomes a cross-reference.

        `notes` is empty where a footnote call may stand, else what the runs are (for the message).
        """
        line = _line(token)
        root: list[Inline] = []
        stack: list[tuple[Token, list[Inline]]] = []
        out = root
        children = token.children or []
        for index, child in enumerate(children):
            kind = child.type
            if index and children[index - 1].type in ("softbreak", "hardbreak"):
                line += 1  # so that a bad reference is reported on its own line
            if kind == "text":
                in_link = any(t.type == "link_open" for t, _ in stack)
                out.extend(self._text(child.content, line, in_link))
            elif kind == "code_inline":
                out.append(Inline("code", child.content))
            elif kind == "softbreak":
                before = plain_text(tuple(root)) if not stack else "".join(
                    c.content for c in children[:index] if c.content)
                after = next((c.content for c in children[index + 1:] if c.content), "")
                joiner = join_soft_break(before, after)
                if joiner:
                    out.append(Inline("text", joiner))
            elif kind == "hardbreak":
                out.append(Inline("break"))
            elif kind == "footnote_ref":
                out.append(self.call(child, line, notes))
            elif kind == "image":
                raise self.error("an image inside a line of text", line,
                                 "give the image a paragraph of its own (a blank line before and after): "
                                 "it becomes a numbered figure with its caption")
            elif kind in ("em_open", "strong_open", "s_open", "link_open"):
                if len(stack) >= MAX_INLINE_DEPTH:
                    raise self.error(f"emphasis, strikethrough or links nested more than {MAX_INLINE_DEPTH} deep",
                                     line, "remove the extra * _ ~ [ ] markers: nobody reads emphasis this deep")
                stack.append((child, out))
                out = []
            elif kind in ("em_close", "strong_close", "s_close", "link_close"):
                opener, parent = stack.pop()
                inner = _merge(tuple(out))
                out = parent
                if kind == "link_close":
                    href = str(opener.attrs.get("href", ""))
                    target = href[1:] if href.startswith("#") else ""
                    out.append(Inline("link", href=href, children=inner, target=target, line=line))
                else:
                    out.append(Inline({"em_close": "em", "strong_close": "strong", "s_close": "strike"}[kind],
                                      children=inner))
            elif kind in _NOT_YET:
                what, hint = _NOT_YET[kind]
                raise self.error(f"{what} is not supported yet", line, hint)
            else:
                raise self.error(f"unsupported inline Markdown ({kind})", line,
                                 "write it as plain text, or report it: huozi would otherwise drop it")
        return _merge(tuple(root))

    def call(self, token: Token, line: int, where: str) -> Inline:
        """A footnote call, carrying its note's paragraphs."""
        meta = token.meta or {}
        blocks, label = self.notes.get(meta.get("id", -1), ((), None))
        shown = f"[^{label}]" if label else "^[…]"
        if where:
            raise self.error(f"a footnote ({shown}) in {where}", line,
                             "call the note from the text that follows instead")
        if meta.get("subId", 0):
            raise self.error(f"the footnote {shown} is called a second time", line,
                             "a note is called once: write a second note, or refer to the first in words")
        self.calls += 1
        return Inline("note", target=f"{self.slug}.fn{self.calls}", blocks=blocks, line=line)

    def _text(self, text: str, line: int, in_link: bool) -> list[Inline]:
        if found := _UNDEFINED_NOTE.search(text):
            raise self.error(f"the footnote [^{found[1]}] is never defined", line,
                             f"add a line '[^{found[1]}]: the note's text' below the paragraph, "
                             "or write ^[the note] in place")
        if in_link or "@" not in text:
            return [Inline("text", text)]
        out: list[Inline] = []
        position = 0
        for match in _XREF.finditer(text):
            if match.start() > position:
                out.append(Inline("text", text[position:match.start()]))
            out.append(Inline("xref", target=match[1], line=line))
            position = match.end()
        if position < len(text):
            out.append(Inline("text", text[position:]))
        return out

    # -- blocks --------------------------------------------------------------------------------

    def blocks_until(self, tokens: list[Token], index: int, closer: str, depth: int) -> tuple[list, int]:
        """Blocks from `index` up to the token of type `closer` (returned index is past it)."""
        found: list = []
        while tokens[index].type != closer:
            block, index = self.block(tokens, index, depth, nested=True)
            if block is not None:
                found.append(block)
        return found, index + 1

    def block(self, tokens: list[Token], index: int, depth: int, nested: bool):
        """(block or None, next index) for the block starting at tokens[index]."""
        token = tokens[index]
        kind = token.type
        line = _line(token)
        if kind == "paragraph_open":
            inline = tokens[index + 1]
            # A ':::' line that closes nothing is read as text, alone or as a line of the paragraph
            # above it: the ':::' block it was meant to close was closed by an inner one's line
            # (markdown-it closes the outer block at the first ':::' of its length or more).
            stray = next((n for n, text in enumerate(inline.content.split("\n"))
                          if re.fullmatch(r":{3,}.*", text.strip())), None)
            if stray is not None:
                raise self.error("a ':::' line closes no block", line + stray,
                                 "delete it, or open the block it should close (e.g. '::: note'); when one "
                                 "::: block holds another, give the outer one more colons (::::)")
            self._refuse_broken_table(token, inline)
            if _CAPTION.match(inline.content):
                if index + 3 < len(tokens) and tokens[index + 3].type == "table_open":
                    return self.table(tokens, index + 3, before=(token, inline))
                raise self.error("a table caption line with no table", line,
                                 "put 'Table: 标题 {#tbl-id}' (or ': 标题') directly above or below the table, "
                                 "with at most a blank line between")
            if any(c.type == "image" for c in inline.children or []):
                figure = self.image(inline, line)
                if figure is not None:
                    return figure, index + 3
            return Paragraph(_call_before_stop(self.inlines(inline)), line), index + 3
        if kind == "heading_open":
            if nested:
                raise self.error("a heading inside a list, quote or ::: block", line,
                                 "move the heading out of the block (headings belong to the article's outline)")
            return self.heading(token, tokens[index + 1]), index + 3
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(tokens, index, depth + 1)
        if kind == "blockquote_open":
            inner, index = self.blocks_until(tokens, index + 1, "blockquote_close", depth)
            attribution: tuple[Inline, ...] = ()
            if len(inner) > 1 and isinstance(inner[-1], Paragraph) and inner[-1].text.startswith("——"):
                attribution = inner.pop().inlines
            return Quote(tuple(inner), line, attribution), index
        if kind in ("fence", "code_block"):
            content = token.content[:-1] if token.content.endswith("\n") else token.content
            language = token.info.strip().split()[0] if token.info.strip() else ""
            return CodeBlock(content, line, language.strip("{}.")), index + 1
        if kind == "hr":
            return Rule(line), index + 1
        if kind == "dl_open":
            return self.deflist(tokens, index, depth)
        if kind == "table_open":
            return self.table(tokens, index)
        if kind == "container_div_open":
            return self.container(tokens, index, depth, nested)
        if kind in _NOT_YET:
            what, hint = _NOT_YET[kind]
            raise self.error(f"{what} is not supported yet", line, hint)
        raise self.error(f"unsupported Markdown block ({kind})", line,
                         "write it as paragraphs, or report it: huozi would otherwise drop it")

    def image(self, inline: Token, line: int) -> Image | None:
        """A paragraph holding only `![caption](path "title"){attributes}` as a figure; None otherwise."""
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())
                    and c.type != "softbreak"]
        if not children or children[0].type != "image":
            return None
        token, rest = children[0], children[1:]
        attrs: dict[str, str] = {}
        if len(rest) == 1 and rest[0].type == "text" and (found := re.fullmatch(r"\s*\{([^{}]*)\}\s*", rest[0].content)):
            attrs = parse_attrs(found[1])
            rest = []
        if rest:
            return None  # text beside the image: inlines() refuses it with its hint
        for key in attrs:
            if key not in _IMAGE_ATTRS:
                raise self.error(f"huozi does not read '{key}' on an image", line,
                                 "write {#fig-id width=60%} (and fig-alt=\"…\" for a description other than the caption)")
        width = attrs.get("width", "")
        if width:
            match = _WIDTH.fullmatch(width)
            if not match or float(match[1]) <= 0 or (match[2] == "%" and float(match[1]) > 100):
                raise self.error(f"'width={width}' is not a width huozi can set", line,
                                 "write a share of the text width (width=60%) or a length (width=8cm)")
        anchor, explicit = f"{self.slug}.img{line}", False
        if "id" in attrs:
            anchor, explicit = self.claim_id(attrs["id"], line), True
        caption = self.inlines(token, notes="an image's caption")
        src = str(token.attrs.get("src", ""))
        alt = attrs.get("fig-alt", plain_text(caption)).strip()
        return Image(src, self.image_path(src, line), caption, alt, line, anchor,
                     str(token.attrs.get("title") or ""), width, explicit)

    def image_path(self, src: str, line: int) -> Path | None:
        """The file `src` names, from the manuscript's folder; None for a web address (checked later)."""
        from urllib.parse import unquote, urlparse

        if not src.strip():
            raise self.error("an image with no file", line,
                             "write the file's path between the parentheses: ![图注](images/x.png)")
        scheme = urlparse(src).scheme.lower()
        if scheme in ("http", "https"):
            return None
        if scheme and len(scheme) > 1:  # (a one-letter scheme is a Windows drive)
            raise self.error(f"refused the image '{src}': only files inside the project can be shown", line,
                             "copy the image into the project and write its path, e.g. ![图注](images/x.png)")
        return (self.path.parent / unquote(src)).absolute()

    def heading(self, token: Token, inline: Token) -> Heading:
        line = _line(token)
        level = int(token.tag[1])
        anchor, explicit = f"{self.slug}.h{line}", False
        found = _cut_attrs(inline)
        classes = found.get("class", "")
        if "id" in found:
            anchor, explicit = self.claim_id(found["id"], line), True
        inlines = self.inlines(inline, notes="a heading")
        text = plain_text(inlines).strip()
        if not text:
            raise self.error("a heading with no text", line, "write the heading's words after the #, or delete the line")
        level += self.shift
        if level > 6:
            raise self.error(f"'{'#' * (level - self.shift)}' is a level-{level} heading: HTML and PDF stop at 6",
                             line, "use fewer #s (this file has # headings, so # is a section and ##### the deepest)"
                             if self.shift else "use # to ######")
        return Heading(level, text, line, anchor, inlines, explicit_id=explicit,
                       number="subtitle" if "subtitle" in classes.split() else "")

    def list_block(self, tokens: list[Token], index: int, depth: int):
        opener = tokens[index]
        line = _line(opener)
        if depth > MAX_LIST_DEPTH:
            raise self.error(f"a list nested {depth} deep", line,
                             f"nest lists at most {MAX_LIST_DEPTH} deep: deeper, the indents leave no room for text")
        closer = opener.type.replace("_open", "_close")
        items: list[ListItem] = []
        tight = True
        index += 1
        while tokens[index].type != closer:
            item = tokens[index]
            assert item.type == "list_item_open"
            j = index + 1
            while tokens[j].type != "list_item_close":  # loose items' paragraphs are not hidden
                if tokens[j].type == "paragraph_open" and tokens[j].level == item.level + 1 and not tokens[j].hidden:
                    tight = False
                j += 1
            inner, index = self.blocks_until(tokens, index + 1, "list_item_close", depth)
            items.append(ListItem(tuple(inner), _line(item)))
        start = int(opener.attrGet("start") or 1) if opener.type == "ordered_list_open" else 1
        return List(opener.type == "ordered_list_open", tuple(items), line, start, tight, depth), index + 1

    def deflist(self, tokens: list[Token], index: int, depth: int):
        line = _line(tokens[index])
        items: list[DefinitionItem] = []
        index += 1
        last = line
        while tokens[index].type != "dl_close":
            term_line = _line(tokens[index])
            term = self.inlines(tokens[index + 1], notes="a definition list's term")
            index += 3
            definitions = []
            while tokens[index].type == "dd_open":
                last = _line(tokens[index])
                inner, index = self.blocks_until(tokens, index + 1, "dd_close", depth)
                definitions.append(tuple(inner))
            items.append(DefinitionItem(term, tuple(definitions), term_line))
        final = items[-1].definitions[-1] if items and items[-1].definitions else ()
        if (index + 1 < len(tokens) and tokens[index + 1].type == "table_open" and len(final) == 1
                and isinstance(final[0], Paragraph) and _ATTRS.search(final[0].text)):
            # Pandoc's ambiguity: `: 标题 {#tbl-id}` under a paragraph is a definition, not the next
            # table's caption; its {#id} would be printed as text.
            raise self.error("a ': 标题' line above a table, under a paragraph, is read as a definition", last,
                             "write the caption as 'Table: 标题 {#tbl-id}', or put ': 标题' under the table")
        return DefinitionList(tuple(items), line), index + 1

    # -- tables --------------------------------------------------------------------------------

    def table(self, tokens: list[Token], index: int, before: tuple[Token, Token] | None = None):
        """A GFM table from tokens[index] (table_open), with its caption line (`before` it, directly
        under it, or the paragraph after it) and the note paragraphs under it."""
        line = _line(tokens[index])
        align: list[str] = []
        header: list[TableRow] = []
        rows: list[TableRow] = []
        under: list[tuple[int, Token]] = []  # lines without a pipe that GFM read as rows
        in_head = False
        index += 1
        while tokens[index].type != "table_close":
            kind = tokens[index].type
            if kind in ("thead_open", "thead_close"):
                in_head = kind == "thead_open"
            elif kind == "tr_open":
                row_line = _line(tokens[index])
                if not in_head and "|" not in self._source_line(row_line):
                    under.append((row_line, tokens[index + 2]))
                    index = next(i for i in range(index, len(tokens)) if tokens[i].type == "tr_close") + 1
                    continue
                if under:  # a row after a line without pipes: the line was meant as text
                    self._refuse_lazy_row(under[0][0])
                row, index = self.table_row(tokens, index, align if in_head else None)
                (header if in_head else rows).append(row)
                continue
            index += 1
        index += 1
        self._check_cells(rows, len(align))
        if not any(cell.text for cell in header[0].cells):
            raise self.error("a table whose header row is empty", line,
                             "name each column in the first row: readers (and screen readers) need the header")
        caption_at, notes = self._lines_under(under)
        caption, caption_line, anchor, explicit, index = self._table_caption(tokens, index, line, before, caption_at,
                                                                            after_allowed=not (caption_at or notes))
        while (index + 1 < len(tokens) and tokens[index].type == "paragraph_open"
               and _TABLE_NOTE.match(tokens[index + 1].content)):
            notes.append(Paragraph(self.inlines(tokens[index + 1]), _line(tokens[index])))
            index += 3
        table = Table(tuple(header), tuple(rows), tuple(align), line, caption, anchor, explicit, caption_line,
                      tuple(notes))
        return table, index

    def _table_caption(self, tokens: list[Token], index: int, line: int, before, under, after_allowed: bool):
        """(caption, its line, anchor, whether the id is the author's, next index) of the table whose
        tokens end before `index`: from the line `before` it, the line `under` it or the paragraph after."""
        after = self._caption_after(tokens, index) if after_allowed else None
        if before is not None and after is not None and index + 3 < len(tokens) \
                and tokens[index + 3].type == "table_open":
            after = None  # the caption above the next table (Pandoc allows either side)
        if before is not None and (after is not None or under is not None):
            where = _line(after[0]) if after is not None else under[0]
            raise self.error("a table with a caption line both above and below it", where,
                             "keep one caption: 'Table: 标题 {#tbl-id}' above the table, or ': 标题' below it")
        found = before or after or (under[1] if under else None)
        if found is None:
            return (), 0, f"{self.slug}.tbl{line}", False, index
        caption_line = under[0] if under else _line(found[0])
        caption, ident = self.caption(found[1])
        anchor = self.claim_id(ident, caption_line) if ident else f"{self.slug}.tbl{line}"
        return caption, caption_line, anchor, bool(ident), index + (3 if after is not None else 0)

    def _source_line(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def _refuse_lazy_row(self, line: int) -> None:
        raise self.error("a line without | inside a table is read as one of its rows", line,
                         "leave a blank line between the table and the text under it, or write the row's cells "
                         "between | and |")

    def _lines_under(self, under: list[tuple[int, Token]]) -> tuple[tuple | None, list[Paragraph]]:
        """Lines typed directly under the table, which GFM reads as rows: a caption (`: 标题`), then notes."""
        caption = None
        notes: list[Paragraph] = []
        for number, (line, inline) in enumerate(under):
            text = inline.content
            if number == 0 and _CAPTION.match(text):
                caption = (line, (None, inline))
            elif _TABLE_NOTE.match(text):
                notes.append(Paragraph(self.inlines(inline), line))
            else:
                self._refuse_lazy_row(line)
        return caption, notes

    def table_row(self, tokens: list[Token], index: int, align: list[str] | None) -> tuple[TableRow, int]:
        """One tr's cells; `align` (for the header row) is filled with each column's alignment."""
        line = _line(tokens[index])
        cells: list[TableCell] = []
        index += 1
        while tokens[index].type != "tr_close":
            token = tokens[index]
            if token.type in ("th_open", "td_open"):
                if align is not None:
                    align.append(_ALIGN.get(str(token.attrs.get("style", "")), ""))
                inline = tokens[index + 1]
                notes = "a table's header row" if align is not None else ""
                cells.append(TableCell(self.inlines(inline, notes=notes) if inline.type == "inline" else (), line))
                index += 3
                continue
            index += 1
        return TableRow(tuple(cells), line), index + 1

    def _check_cells(self, rows: list[TableRow], columns: int) -> None:
        """More cells than the header would be lost (an error); fewer are padded, as Pandoc does (a warning)."""
        for row in rows:
            typed = self._typed_cells(row.line)
            if typed > columns:
                raise self.error(f"a table row with {typed} cells under a header of {columns}", row.line,
                                 "the text past the last column would be lost: add a column to the header row "
                                 "(and the |---| row), or merge the cells (a | inside a cell is written \\|)")
            if typed < columns:
                self.warnings.append(ManuscriptWarning(
                    f"a table row with {typed} cell{'s' if typed != 1 else ''} under a header of {columns}: "
                    "the missing cells are left empty", self.path, row.line))

    def _typed_cells(self, line: int) -> int:
        """How many cells the row's source line has (markdown-it pads and cuts rows silently)."""
        return _cell_count(re.sub(r"^[ \t]*(?:>[ \t]?)*", "", self._source_line(line)))

    def _caption_after(self, tokens: list[Token], index: int) -> tuple[Token, Token] | None:
        if (index + 1 < len(tokens) and tokens[index].type == "paragraph_open"
                and _CAPTION.match(tokens[index + 1].content)):
            return tokens[index], tokens[index + 1]
        return None

    def caption(self, inline: Token) -> tuple[tuple[Inline, ...], str]:
        """A caption's text without its `Table:` / `:` and `{#id}`, and the id."""
        found = _cut_attrs(inline)
        prefix = _CAPTION.match(inline.content)
        assert prefix is not None, "a caption paragraph starts with its prefix (it was recognised by it)"
        _cut_prefix(inline, len(prefix[0]))
        # The PDFs repeat a caption (续表N) and a header row on every page a table crosses: a note
        # called there would be called again on each.
        return self.inlines(inline, notes="a table's caption"), found.get("id", "")

    def _refuse_broken_table(self, token: Token, inline: Token) -> None:
        """A paragraph that is a table whose header and |---| rows disagree: GFM reads it as text."""
        lines = inline.content.split("\n")
        for number, (head, delimiter) in enumerate(zip(lines, lines[1:])):
            if "|" in head + delimiter and "-" in delimiter and _DELIMITER_ROW.fullmatch(delimiter.strip()):
                raise self.error("a table whose |---| row does not match its header row",
                                 _line(token) + number + 1,
                                 f"the header row has {_cell_count(head)} cell(s) and the |---| row "
                                 f"{_cell_count(delimiter)}: give the |---| row one '---' per cell "
                                 "(':---' left, '---:' right, ':---:' centred)")

    def _closed(self, token: Token) -> bool:
        """Whether a `:::` block has its closing line (markdown-it closes it at the file's end)."""
        end = token.map[1] if token.map else len(self.lines)
        if end >= len(self.lines):
            return False
        closing = self.lines[end].strip()
        return bool(re.fullmatch(r":{3,}", closing)) and len(closing) >= len(token.markup)

    def container(self, tokens: list[Token], index: int, depth: int, nested: bool):
        opener = tokens[index]
        line = _line(opener)
        info = opener.info.strip()
        if not self._closed(opener):
            raise self.error(f"'{opener.markup} {info}' is never closed", line,
                             f"end the block with a line '{opener.markup}'; when one ::: block holds "
                             "another, give the outer one more colons (::::)")
        attrs: dict[str, str] = {}
        if info.startswith("{"):
            attrs = parse_attrs(info.strip("{}"))
            classes = attrs.get("class", "").split()
            callout = next((c for c in classes if c.startswith("callout-")), None)
            if callout is None:
                raise self.error(f"unknown ::: block '{info}'", line,
                                 "huozi knows ::: {.callout-note} (tip, warning, important, caution)")
            name, rest = callout[len("callout-"):], attrs.get("title", "")
        else:
            name, _, rest = info.partition(" ")
            rest = rest.strip()
        if name in ADMONITIONS:
            return self.admonition(tokens, index, name, rest, depth)
        if name == "preface":
            raise self.error("'::: preface' inside another block" if nested else "a second '::: preface'", line,
                             "a preface opens an article: put it first, outside other blocks")
        if name == "photo":
            return self.photo(tokens, index, rest)
        if name == "figure":
            return self.figure(tokens, index, rest)
        known = [*ADMONITIONS, *CONTAINERS]
        raise self.error(f"unknown ::: block '{name}'", line,
                         did_you_mean(name, known) or f"known blocks: {', '.join(known)}")

    def admonition(self, tokens: list[Token], index: int, kind: str, title: str, depth: int):
        line = _line(tokens[index])
        index += 1
        title_inlines: tuple[Inline, ...] = (Inline("text", title),) if title else ()
        if tokens[index].type == "heading_open" and not title:  # Quarto: a heading first is the title
            title_inlines = self.inlines(tokens[index + 1], notes="a note's title")
            index += 3
        inner, index = self.blocks_until(tokens, index, "container_div_close", depth)
        if not inner:
            raise self.error(f"'::: {kind}' holds no text", line, "write the note's text before the closing ':::'")
        return Admonition(kind, tuple(inner), line, title_inlines), index

    def photo(self, tokens: list[Token], index: int, credit: str):
        line = _line(tokens[index])
        caption: list[Paragraph] = []
        index += 1
        while tokens[index].type != "container_div_close":
            if tokens[index].type == "paragraph_open":
                caption.append(Paragraph(self.inlines(tokens[index + 1], notes="a photo's caption"), _line(tokens[index])))
                index += 3
                continue
            raise self.error("only paragraphs can go in a '::: photo' caption", _line(tokens[index]),
                             "move the list, quote or code out of the caption")
        if not caption:
            raise self.error("photo without a caption", line,
                             "write the caption on the lines between '::: photo CREDIT' and ':::'")
        return Photo(tuple(caption), credit, line), index + 1

    def figure(self, tokens: list[Token], index: int, figure_id: str):
        line = _line(tokens[index])
        if not figure_id:
            raise self.error("figure without an id", line, "write '::: figure ID' then ':::' on the next line")
        index += 1
        while tokens[index].type != "container_div_close":
            if tokens[index].type == "inline" and tokens[index].content.strip():
                raise self.error(  # it would be dropped: the figure's caption comes from its data
                    "text inside '::: figure' would be lost", _line(tokens[index]),
                    "move the text before or after the figure; its caption is set in figures/")
            index += 1
        return FigureRef(figure_id.split()[0], line), index + 1


    def footnotes(self, tokens: list[Token], env: dict) -> list[Token]:
        """Read the notes (the plugin puts them after the body) and return the body's tokens.

        A note holds paragraphs only: it is set at the foot of the page inside the paragraph that
        calls it. A definition no text calls would be lost, so it is an error.
        """
        refs = (env.get("footnotes") or {}).get("refs", {})
        for label, number in refs.items():
            if number < 0:
                name = label[1:]
                line = line_of("\n".join(self.lines), f"[^{name}]:")
                raise self.error(f"the footnote [^{name}] is defined but never called", line or 1,
                                 f"call it with [^{name}] where the note belongs, or delete the definition")
        tokens = [t for t in tokens if t.type != "footnote_anchor"]
        if not any(t.type == "footnote_block_open" for t in tokens):
            return tokens
        start = next(i for i, t in enumerate(tokens) if t.type == "footnote_block_open")
        index = start + 1
        while tokens[index].type == "footnote_open":
            meta = tokens[index].meta or {}
            index += 1
            paragraphs: list[Paragraph] = []
            while tokens[index].type != "footnote_close":
                token = tokens[index]
                if token.type != "paragraph_open":
                    raise self.error("a footnote holds paragraphs only", _line(token) if token.map else 1,
                                     "write the note as one or more paragraphs: lists, quotes, code and "
                                     "headings belong in the text")
                inline = tokens[index + 1]
                if any(c.type == "footnote_ref" for c in inline.children or []):
                    raise self.error("a footnote inside a footnote", _line(token),
                                     "write the second note's text into the first")
                if any(c.type == "image" for c in inline.children or []):
                    raise self.error("an image inside a footnote", _line(token),
                                     "place the image in the text as a figure and refer to it with @fig-ID")
                paragraphs.append(Paragraph(self.inlines(inline), _line(token) if token.map else 0))
                index += 3
            self.notes[meta.get("id", -1)] = (tuple(paragraphs), meta.get("label"))
            index += 1
        return tokens[:start]


def _cut_attrs(inline: Token) -> dict[str, str]:
    """Pandoc attributes `{#id .class}` at the end of a heading or caption: read, and cut from
    its inline tokens before they become text."""
    content = inline.content
    attrs = _ATTRS.search(content)
    if not attrs or content.rstrip().endswith("\\}"):
        return {}
    cut = len(content) - attrs.start()
    for child in reversed(inline.children or []):
        if cut <= 0:
            break
        if child.type == "text":
            keep = max(0, len(child.content) - cut)
            cut -= len(child.content) - keep
            child.content = child.content[:keep].rstrip() if keep else ""
    inline.content = content[:attrs.start()].rstrip()
    return parse_attrs(attrs[1])


def _cell_count(line: str) -> int:
    """The cells of a table row as GFM splits it (| inside `code` splits too; \\| does not)."""
    columns = escapedSplit(line.strip())
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return len(columns)


def _cut_prefix(inline: Token, length: int) -> None:
    """Drop the first `length` characters of the inline's text (a caption's `Table:`)."""
    inline.content = inline.content[length:]
    for child in inline.children or []:
        if length <= 0:
            break
        if child.type == "text":
            taken = min(length, len(child.content))
            child.content = child.content[taken:].lstrip() if taken == length else ""
            length -= taken


def _call_before_stop(inlines: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """A call after a paragraph's last full stop (`大道。[^1]`) moved before it (`大道①。`).

    Chinese books set the note's number against the words it annotates, inside the sentence's
    closing mark, so the number never stands alone after the mark, nor starts a line.
    """
    if len(inlines) < 2 or inlines[-1].kind != "note" or inlines[-2].kind != "text":
        return inlines
    text = inlines[-2].text
    stripped = text.rstrip(_CALL_BEFORE)
    if stripped == text or not stripped:
        return inlines
    return (*inlines[:-2], Inline("text", stripped), inlines[-1], Inline("text", text[len(stripped):]))


def _merge(runs: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """Adjacent plain text runs joined; empty ones dropped."""
    merged: list[Inline] = []
    for run in runs:
        if run.kind == "text" and not run.text:
            continue
        if merged and run.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Inline("text", merged[-1].text + run.text)
        else:
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


class _Sections:
    """Collects top-level blocks into sections; one instance per article."""

    def __init__(self, slug: str):
        self.slug = slug
        self.sections: list[Section] = []
        self.kind = "lead"
        self.container = ""
        self.heading: Heading | None = None
        self.subheading: Heading | None = None
        self.blocks: list[Block] = []

    def close(self) -> None:
        if self.heading or self.blocks:
            anchor = f"{self.slug}.{len(self.sections) + 1}"
            self.sections.append(Section(self.kind, self.heading, self.subheading, tuple(self.blocks), anchor))
        self.kind = self.container or "section"
        self.heading, self.subheading, self.blocks = None, None, []

    def add(self, block) -> None:
        if not isinstance(block, Heading):
            self.blocks.append(block)
        elif block.number == "subtitle":
            # `### 副题 {.subtitle}`: the section heading's second line, as newspapers set it.
            assert self.heading is not None, "a subtitle is read after its section's heading"
            self.subheading = dataclasses.replace(block, number="", level=self.heading.level + 1)
        elif block.level == 2:
            self.close()
            self.heading = block
        else:
            self.blocks.append(block)


# Ids huozi makes itself are the article's name, a dot and a part (shanhai.2, shanhai.h40):
# a name never holds a dot, so they cannot collide with another article's name (shanhai-2.md).
def _slug(path: Path) -> str:
    stem = re.sub(r"^\d+[-_. ]*", "", path.stem) or path.stem
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower()
    if not slug:  # a name in Han characters (03-第三篇.md): a stable name made from it
        slug = "article-" + hashlib.sha256(path.name.encode()).hexdigest()[:8]
    return slug if slug[0].isalpha() else f"a-{slug}"


def parse_article(path: Path, default_order: int = 0, slug: str | None = None) -> Article:
    """Parse one manuscript file into an Article (named `slug`, else after its file)."""
    source = _read(path)
    env: dict = {}
    tokens = _MD.parse(source, env)
    _check_nesting(path, tokens)
    front = _front_matter(path, next((t for t in tokens if t.type == "front_matter"), None))
    slug = slug or _slug(path)
    parser = _Parser(path, source, slug)
    tokens = parser.footnotes(tokens, env)
    parser.shift = int(any(t.type == "heading_open" and t.tag == "h1" for t in tokens))
    sections = _Sections(slug)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "front_matter":
            index += 1
            continue
        if token.type == "container_div_open" and token.info.strip().split(" ")[0] == "preface":
            if not parser._closed(token):
                raise parser.error("'::: preface' is never closed", _line(token),
                                   "end the preface with a line ':::'")
            sections.close()
            sections.kind = sections.container = "preface"
            index += 1
            continue
        if token.type == "container_div_close" and sections.container == "preface":
            sections.close()
            sections.container = ""
            sections.kind = "section"
            index += 1
            continue
        block, index = parser.block(tokens, index, 0, nested=False)
        if isinstance(block, Heading) and block.number == "subtitle" and (
                sections.heading is None or sections.blocks or sections.subheading is not None):
            raise parser.error("a {.subtitle} heading that follows no section heading", block.line,
                               "put it right after a ## heading, or drop the {.subtitle}")
        sections.add(block)
    sections.close()
    _check_levels(parser, sections.sections)
    return Article(
        path=path, slug=slug, title=str(front["title"]).strip(),
        order=int(front.get("order", default_order)), sections=tuple(sections.sections),
        subtitle=str(front.get("subtitle", "")).strip(),
        byline=str(front.get("byline", "")).strip() or "、".join(a.strip() for a in front.get("author", ())),
        authors=tuple(a.strip() for a in front.get("author", ())), date=str(front.get("date", "")).strip(),
        warnings=tuple(parser.warnings),
    )


def _check_levels(parser: _Parser, sections: list[Section]) -> None:
    """No skipped heading levels (## then ####): screen readers and the EPUB nav need the outline whole."""
    previous = 2
    for section in sections:
        headings = [section.heading] if section.heading else []
        headings += [b for b in section.blocks if isinstance(b, Heading)]
        for heading in headings:
            if heading.level > previous + 1:
                raise parser.error(f"a level-{heading.level} heading follows a level-{previous} one", heading.line,
                                   f"use {'#' * (previous + 1)} here: a level may not be skipped")
            previous = heading.level


# Which files of manuscript/ are articles (README, "Manuscript files"): names ending in .md or
# .markdown, in any case; never hidden files (.notes.md, an editor's lock link .#01-x.md) or
# editors' backups (#01-x.md#, 01-x.md~), which the change detection and watch ignore as well.
ARTICLE_SUFFIXES = (".md", ".markdown")


def is_article_name(name: str) -> bool:
    return (name.lower().endswith(ARTICLE_SUFFIXES) and not name.startswith((".", "#", "~"))
            and not name.endswith(("~", "#")))


def article_files(folder: Path) -> list[Path]:
    """The articles in `folder`, by name; anything else named like one is an error."""
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.iterdir() if is_article_name(p.name)), key=lambda p: p.name)
    project = folder.resolve().parent
    for path in files:
        try:
            mode = path.stat().st_mode  # follows a symlink
        except OSError:
            raise ManuscriptError("this is a link to a file that does not exist", SourceLocation(path),
                                  "delete the link, or restore the file it points to") from None
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe or a device)"
            raise ManuscriptError(f"'{path.name}' is {kind}, so it cannot be an article", SourceLocation(path),
                                  "articles are text files; rename or move it out of manuscript/")
        if not path.resolve().is_relative_to(project):  # a symlink that leads out of the project
            raise ManuscriptError(f"refused to read '{path.resolve()}': it is outside the project folder",
                                  SourceLocation(path),
                                  "copy the file into manuscript/ instead of linking to it")
    return files


def article_slugs(files: list[Path]) -> list[str]:
    """A distinct name per article for anchors and EPUB documents: 01-a.md and 02-a.md are a, a-2."""
    seen: dict[str, int] = {}
    slugs = []
    for path in files:
        base = _slug(path)
        seen[base] = seen.get(base, 0) + 1
        slug = base if seen[base] == 1 else f"{base}-{seen[base]}"
        while slug in seen and slug != base:
            seen[base] += 1
            slug = f"{base}-{seen[base]}"
        seen.setdefault(slug, 1)
        slugs.append(slug)
    return slugs


def parse_manuscript(folder: Path) -> Manuscript:
    """Parse every article of `folder` (see `article_files`), ordered by front matter `order`, then name."""
    files = article_files(folder)
    if not files:
        raise ManuscriptError(f"no Markdown files in {folder}", SourceLocation(folder),
                              "put one .md file per article in manuscript/")
    articles = [parse_article(path, number, slug)
                for number, (path, slug) in enumerate(zip(files, article_slugs(files)), 1)]
    articles.sort(key=lambda a: (a.order, a.path.name))
    _check_unique_ids(articles)
    return Manuscript(tuple(articles), tuple(files))


def _check_unique_ids(articles: list[Article]) -> None:
    """An id the author gave ({#sec-x}, {#tbl-x}) names one place in the whole book, not one per file."""
    seen: dict[str, tuple[Path, int]] = {}
    for article in articles:
        blocks = [h for s in article.sections for h in (s.heading, s.subheading) if h] + list(article.walk())
        for block in blocks:
            if isinstance(block, (Heading, Table)) and block.explicit_id:
                line = block.caption_line if isinstance(block, Table) else block.line
                if block.anchor in seen and seen[block.anchor][0] != article.path:
                    path, first = seen[block.anchor]
                    raise ManuscriptError(f"the id '{block.anchor}' is used twice (first at {path.name}:{first})",
                                          SourceLocation(article.path, line),
                                          "give each heading or table its own {#id}: a link names one place in the book")
                seen.setdefault(block.anchor, (article.path, line))
