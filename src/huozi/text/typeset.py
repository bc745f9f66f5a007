"""clreq typesetting of a run of text into HTML for the PDF editions.

Nothing is added to what a reader extracts: the gaps are spans with CSS margins and the
break controls are zero-width characters (U+2060 WORD JOINER, U+200B ZERO WIDTH SPACE)
that WeasyPrint draws as empty glyphs, so a PDF's text stays the manuscript's text.

- Han–Western spacing (clreq §3.2.1): a Western run (digits, Latin) touching a Han
  character becomes ``<span class="hw hw-l|hw-r">`` whose ¼ em margin the stylesheet
  sets; the layout patch (`huozi.pdf.weasy_patch`) drops a margin at a line's edge.
- Punctuation width (clreq §3.1.6): in the default scheme (全角, "quanjiao") the first of two
  adjacent compressible marks (。” ，“ ”，) is set half width with the font's ``halt`` feature
  (``<span class="halt">``). Debian's Noto CJK has no ``chws``. The 开明 ("kaiming") scheme sets
  every mark but 。！？ half width and the 半角 ("banjiao") scheme every mark
  (``<span class="half">``), so that one mark has one width in one context book-wide.
- Line start and end (clreq §3.1.7): a word joiner before each mark that may not start
  a line and after each that may not end one; a zero-width space where clreq allows a
  break that Pango 1.50 forbids (around the curly quotes “ ” ‘ ’).
- No lone character on a run's last line (孤字): its last two characters are joined.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from .. import contract
from ..config import Config
from .chars import (  # noqa: F401 - the typesetter's controls and marks, as callers know them here
    BREAK_HERE,
    CLOSING,
    CLOSING_QUOTES,
    COMPRESSIBLE,
    NO_END,
    NO_START,
    OPENING,
    OPENING_QUOTES,
    STOPS,
    WORD_JOINER,
    ZERO_WIDTH,
    is_han,
    is_narrow,
    is_spaced,
    is_wide,
    strip_controls,
)

# clreq §3.1.7: "basic" is chars.NO_START (which already keeps —— and …… off a line's start);
# "strict" also keeps the solidus, the wave dash and the hyphen there.
STRICT_NO_START = frozenset("／〜～-")

# 开明 (kaiming): the sentence-ending marks stay full width, every other mark is half.
KAIMING_FULL = frozenset("。！？")
HALF_IN_SCHEME = {
    "quanjiao": frozenset(),
    "kaiming": (COMPRESSIBLE | frozenset("！？")) - KAIMING_FULL,
    "banjiao": COMPRESSIBLE | frozenset("！？"),
}


@dataclass(frozen=True)
class TypesetRules:
    """Which clreq rules the PDF typesetter applies (from `[typography]` in book.toml)."""

    line_break: str = "basic"
    autospace: bool = True
    compress_punctuation: bool = True
    keep_last_two: bool = True
    punctuation: str = "quanjiao"

    def no_start(self) -> frozenset[str]:
        return frozenset(NO_START) | (STRICT_NO_START if self.line_break == "strict" else frozenset())


def rules_for(config: Config) -> TypesetRules:
    """The book's `[typography]` options as rules (load_config has checked their values)."""
    options = config.typography
    return TypesetRules(line_break=options.line_break, autospace=options.autospace, punctuation=options.punctuation)


def make_typesetter(rules: TypesetRules) -> Callable[[str], Markup]:
    """The `typeset(text) -> Markup` hook for the Jinja filters of the PDF editions."""
    def hook(text: str, emphasis: bool = False) -> Markup:
        return typeset(text, rules, emphasis)

    return hook


def typesetter_for(config: Config) -> Callable[[str], Markup]:
    """The PDF editions' hook for the book's `[typography]` options."""
    return make_typesetter(rules_for(config))


def western_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of Western characters."""
    runs, start = [], None
    for i, ch in enumerate(text + "\n"):
        if i < len(text) and is_narrow(ch):
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i))
            start = None
    return runs


def break_controls(text: str, rules: TypesetRules) -> dict[int, str]:
    """Zero-width characters to insert before index i (i in 1..len-1)."""
    no_start = rules.no_start()
    controls: dict[int, str] = {}
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if before == after and before in "—…":
            continue  # UAX #14 keeps —— and …… whole; a joiner would break the font's —— ligature
        if after in no_start or before in NO_END:
            controls[i] = WORD_JOINER
        elif _quote_break(before, after):
            controls[i] = BREAK_HERE
    if rules.keep_last_two:
        last_two = _last_two_join(text)
        if last_two is not None:
            controls[last_two] = WORD_JOINER
    return controls


def _quote_break(before: str, after: str) -> bool:
    # clreq allows a break before an opening quote and after a closing one; Pango 1.50
    # (UAX #14 class QU) does not, and drags the preceding character to the next line.
    if after in OPENING_QUOTES:
        return is_han(before) or before in CLOSING or before in STOPS or before in "？！"
    if before in CLOSING_QUOTES:
        return is_han(after) or after in OPENING
    return False


def _last_two_join(text: str) -> int | None:
    """Start of the text's last character (Han or Western run) when another one precedes it.

    A word joiner there keeps the last two together, with any marks between or after them.
    """
    units: list[int] = []
    i = len(text) - 1
    while i >= 0 and len(units) < 2:
        ch = text[i]
        if ch.isspace():
            return None  # Western words: a space is a break anyway
        if is_han(ch):
            units.append(i)
        elif is_narrow(ch) and ch.isalnum():
            while i > 0 and is_narrow(text[i - 1]):
                i -= 1
            units.append(i)
        i -= 1
    return units[0] if len(units) == 2 else None


def halt_marks(text: str) -> set[int]:
    """Indices of marks set half width: the first of two adjacent compressible marks."""
    return {i for i in range(len(text) - 1) if text[i] in COMPRESSIBLE and text[i + 1] in COMPRESSIBLE}


def half_marks(text: str, scheme: str) -> set[int]:
    """Indices of marks the punctuation scheme sets half width wherever they stand."""
    half = HALF_IN_SCHEME[scheme]
    return {i for i, ch in enumerate(text) if ch in half}


# The same text is typeset again by every render of an edition's HTML (the table fits, the
# footnote marks, the next build under watch): 0.16 s of an edit's 0.6 s of layout, before this.
# A report's paragraphs fit (this book has about 250); 8192 held 40 MB more in a 50 × book.
@functools.lru_cache(maxsize=1024)
def typeset(text: str, rules: TypesetRules = TypesetRules(), emphasis: bool = False) -> Markup:
    """Escaped HTML for `text` with spacing spans and break controls (see module docstring).

    With `emphasis`, each Han character is a ``<span class="ezc">`` the stylesheet puts an
    emphasis dot (着重号) under: WeasyPrint does not implement CSS `text-emphasis`.
    """
    controls = break_controls(text, rules)
    halves = half_marks(text, rules.punctuation)
    halts = (halt_marks(text) if rules.compress_punctuation and rules.punctuation == "quanjiao" else set()) - halves
    opens: dict[int, str] = {}
    closes: set[int] = set()
    if rules.autospace:
        for start, end in western_runs(text):
            sides = [name for name, touches in (
                ("hw-l", start > 0 and is_han(text[start - 1]) and is_spaced(text[start])),
                ("hw-r", end < len(text) and is_han(text[end]) and is_spaced(text[end - 1])),
            ) if touches]
            if sides:
                opens[start] = " ".join([contract.AUTOSPACE, *sides])
                closes.add(end - 1)
    out: list[str] = []
    for i, ch in enumerate(text):
        out.append(controls.get(i, ""))
        if i in opens:
            out.append(f'<span class="{opens[i]}">')
        if i in halts or i in halves:
            out.append(f'<span class="{contract.HALT if i in halts else contract.HALF}">{escape(ch)}</span>')
        elif emphasis and is_han(ch):
            out.append(f'<span class="ezc">{escape(ch)}</span>')
        else:
            out.append(str(escape(ch)))
        if i in closes:
            out.append("</span>")
    return Markup("".join(out))
