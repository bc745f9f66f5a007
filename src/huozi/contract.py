"""The template contract: every name huozi's Python relies on in the templates and stylesheets.

The templates and stylesheets are the author's to edit (a file in styles/ replaces huozi's theme
file of the same name). The Python reads back what they write (the lint finds a paragraph's
manuscript line by its `data-line`, the print placement finds an article's blocks by their
classes) and writes markup that they must style (the typesetter's `span.hw`). Each such name is
declared here once, with the theme files that carry it. When the project's own copy of one of
those files is loaded (layout.render's loader), `check_template` makes sure it still carries
each name: a class renamed in styles/ is an error at that file's line, not a silently wrong book.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceLocation, TemplateError

# --- the names, as the Python uses them ----------------------------------------------------------

ARTICLE_CLASS = "article"            # <article class="article">: figures/placement.py
SECTION_CHROME = frozenset({"preface-title", "section-title", "subheading"})  # a section's own lines
SOURCE_FILE = "data-src"             # an article's manuscript file: the lint, the validators
SOURCE_LINE = "data-line"            # a block's manuscript line: the lint, the validators, EPUBCheck's messages
FIGURE_FILE = "data-figure"          # an image's figure anchor: the press resolution check
# Figures the print edition may move to the top or bottom of a page (figures.placement): their
# text is left out of the page text, as it is out of the EPUB's, so the two keep one order.
FLOATING = frozenset({"chart", "image"})
# Footnotes sit at the foot of a page in the PDFs and in asides at the article's end in the EPUB,
# and their calls' marks differ (by page, by article): notes and calls are left out of both texts.
NOTES = frozenset({"footnote", "noteref", "footnotes"})
# What print repeats for the eye: a table's header on each page it crosses (with its 续表 line),
# and the caption and header of each further part of a turned table. The EPUB has them once.
REPEATED = "tbl-repeat"
CONTINUED_ROW = "tbl-cont"           # the 续表 row: laid out only after a table's first page (weasy_patch)
TURNED_PART = "tbl-page"             # a part of a turned table: its own text block (the lint)
CODE_LINE = "cl"                     # a line of a code block: set as typed, no ¼ em measured (the lint)
LIST_BODY = "lbody"                  # a list item's body: the PDF/UA LBody (weasy_patch)
# A footnote is an `<fn>` element (text/markup.py) that the PDF stylesheets float to the page foot;
# WeasyPrint names the box of its call in the text by the element and the pseudo-element.
FOOTNOTE_CALL = "fn::footnote-call"
# What the typesetter writes (text/typeset.py) and base.css must style: the ¼ em Han–Western
# margin on either side, and the half-width marks.
AUTOSPACE = "hw"
AUTOSPACE_SIDES = ("hw-l", "hw-r")
HALT = "halt"
HALF = "half"
# Classes whose text the EPUB sets in the sans (bold) face, as styles/epub/epub.css says: the
# EPUB's font subsets must hold their characters in that face (epub/fonts.py).
EPUB_SANS_CLASSES = frozenset({"subtitle", "byline", "date", "book-subtitle", "book-creators", "book-publisher",
                               "photo-placeholder", "subheading", "admonition-title", "tbl-note"})
EPUB_BOLD_CLASSES = frozenset({"fig-number", "book-title", "tbl-number"})


@dataclass(frozen=True)
class Name:
    """One name of the contract: what it is, the theme files that carry it, and who reads it."""

    text: str
    kind: str                   # "class", "attribute" or "element"
    files: tuple[str, ...]      # theme files (relative to styles/) that write or style it
    reader: str                 # the Python that relies on it, for the message


_BLOCKS = ("blocks.html.j2",)
CONTRACT: tuple[Name, ...] = (
    Name(ARTICLE_CLASS, "class", _BLOCKS, "the print placement of figures (figures/placement.py)"),
    *(Name(name, "class", _BLOCKS, "the print placement of figures (figures/placement.py)")
      for name in sorted(SECTION_CHROME)),
    Name(SOURCE_FILE, "attribute", _BLOCKS, "the typography lint and the validators' file:line"),
    Name(SOURCE_LINE, "attribute", _BLOCKS, "the typography lint and the validators' file:line"),
    Name(FIGURE_FILE, "attribute", _BLOCKS, "the press edition's image resolution check"),
    *(Name(name, "class", _BLOCKS, "the EPUB's print page list (pagetext.py)") for name in sorted(FLOATING)),
    Name("footnotes", "class", _BLOCKS, "the EPUB's print page list (pagetext.py)"),
    Name(REPEATED, "class", _BLOCKS, "the EPUB's print page list and the handout's tags"),
    Name(CONTINUED_ROW, "class", _BLOCKS, "the table layout patch (pdf/weasy_patch.py)"),
    Name(TURNED_PART, "class", _BLOCKS, "the typography lint of turned tables"),
    Name(CODE_LINE, "class", _BLOCKS, "the typography lint (code is set as typed)"),
    Name(LIST_BODY, "element", _BLOCKS, "the handout's PDF/UA list tags (pdf/weasy_patch.py)"),
    *(Name(name, "class", ("base.css",), "the clreq typesetter (text/typeset.py): the ¼ em Han–Western space")
      for name in AUTOSPACE_SIDES),
    Name(HALT, "class", ("base.css",), "the clreq typesetter (text/typeset.py): half-width marks"),
    Name(HALF, "class", ("base.css",), "the clreq typesetter (text/typeset.py): half-width marks"),
    *(Name(name, "class", ("epub/epub.css",), "the EPUB's font subsets (epub/fonts.py)")
      for name in sorted(EPUB_SANS_CLASSES | EPUB_BOLD_CLASSES)),
)


def names_in(file: str) -> tuple[Name, ...]:
    """The contract's names that the theme file `file` (relative to styles/) carries."""
    return tuple(name for name in CONTRACT if file in name.files)


def _carries(text: str, name: str, selector: bool = False) -> bool:
    """`name` written as a word (in a stylesheet, `selector`: as a class selector, `.name`)."""
    before = r"\." if selector else r"(?<![\w-])"
    return re.search(rf"{before}{re.escape(name)}(?![\w-])", text) is not None


def _selector(file: str, name: Name) -> bool:
    return file.endswith(".css") and name.kind == "class"


def check_template(file: str, path: Path, text: str, theme_text: str | None = None) -> None:
    """Raise TemplateError when the project's `file` (at `path`, holding `text`) no longer carries
    a name of the contract; the line is the one most like the theme's line that carries it."""
    _check(file, str(path), text, theme_text)


@functools.lru_cache(maxsize=256)
def _check(file: str, path: str, text: str, theme_text: str | None) -> None:
    for name in names_in(file):
        if _carries(text, name.text, _selector(file, name)):
            continue
        raise TemplateError(
            f"{file} no longer has the {name.kind} '{name.text}', which {name.reader} relies on",
            SourceLocation(Path(path), _likely_line(text, theme_text, name.text, _selector(file, name))),
            f"keep the name '{name.text}' where huozi's own {file} has it (huozi/contract.py lists "
            "every name the code relies on); rename only the other classes")


def _likely_line(text: str, theme_text: str | None, name: str, selector: bool) -> int | None:
    """The line of `text` that stands where the theme's first line carrying `name` stands (the two
    files aligned line by line): where the name was renamed or removed."""
    if theme_text is None:
        return None
    theme, lines = theme_text.splitlines(), text.splitlines()
    wanted = next((i for i, line in enumerate(theme) if _carries(line, name, selector)), None)
    if wanted is None or not lines:
        return None
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, theme, lines, autojunk=False).get_opcodes():
        if i1 <= wanted < i2:
            if tag == "equal" or tag == "replace":
                return min(j1 + (wanted - i1), j2 - 1, len(lines) - 1) + 1 if j2 > j1 else min(j1, len(lines) - 1) + 1
            return min(j1, len(lines) - 1) + 1      # deleted: the line after it
    return None
