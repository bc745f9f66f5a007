"""Character classes of the CJK rules (clreq; Unicode East Asian Width): their one home.

The typesetter (text/typeset.py), the layout patch (pdf/weasy_patch.py), the lint
(checks/lint.py), the figures' labels (figures/svg.py) and the page texts (pagetext.py) all
read these; none defines its own.
"""
from __future__ import annotations

import unicodedata

# clreq §3.1.7 "basic" level: characters that may not start a line.
NO_START = set("、，。．；：？！）］｝〕〉》」』】〗〙〛”’…—‥〃々〻ゝゞ・：；？！，．％")
# ...and characters that may not end a line.
NO_END = set("（［｛〔〈《「『【〖〘〚“‘")
# Marks that clreq keeps as one unit: never split between the two halves.
PAIRED = ("——", "……")

# The typesetter's break controls: drawn as empty glyphs, never part of the book's text.
WORD_JOINER = "\u2060"
BREAK_HERE = "\u200b"
ZERO_WIDTH = frozenset(WORD_JOINER + BREAK_HERE + "\u200c\u200d\ufeff")
# What a reader never sees in a page's text: the controls and a soft hyphen.
INVISIBLE = ZERO_WIDTH | frozenset("\u00ad")

# Marks that carry half an em of blank and may lose it next to another mark (clreq §3.1.6).
# ？ and ！ are not compressed in Simplified Chinese; —— and …… never are.
OPENING = frozenset("（〔［｛〈《「『【“‘")
CLOSING = frozenset("）〕］｝〉》」』】”’")
STOPS = frozenset("、，。．；：")
COMPRESSIBLE = OPENING | CLOSING | STOPS
OPENING_QUOTES = frozenset("“‘")
CLOSING_QUOTES = frozenset("”’")


def strip_controls(text: str) -> str:
    """`text` without the zero-width break controls the typesetter adds (for outlines, labels, the lint)."""
    return "".join(ch for ch in text if ch not in ZERO_WIDTH)


def is_han(ch: str) -> bool:
    """True for CJK ideographs (URO, extensions, compatibility) and 〇."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3FFFF
        or 0xF900 <= code <= 0xFAFF
        or ch == "〇"
    )


def is_cjk_punct(ch: str) -> bool:
    """Full-width CJK punctuation, including the curly quotes used in Simplified Chinese."""
    code = ord(ch)
    return (
        0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFF65
        or ch in "“”‘’—…·"
    )


def is_wide(ch: str) -> bool:
    """True where a soft line break next to this character must not become a space."""
    if is_han(ch) or is_cjk_punct(ch):
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F")


def is_western(ch: str) -> bool:
    """Latin letters and digits (a test's notion of "Western text"; the rules use the two below)."""
    return ch.isascii() and ch.isalnum() or unicodedata.category(ch) in ("Lu", "Ll") and not is_wide(ch)


def is_narrow(ch: str) -> bool:
    """A character of a Western run: anything narrow that is visible and not white space."""
    return not is_wide(ch) and ch not in ZERO_WIDTH and not ch.isspace()


def is_spaced(ch: str) -> bool:
    """The Western side of a Han–Western boundary that takes ¼ em (clreq §3.2.1): a narrow letter
    or digit, not a symbol such as ■ or %."""
    return is_narrow(ch) and unicodedata.category(ch)[0] in "LN"


def han_western(a: str, b: str) -> bool:
    """True when `a` then `b` is a Han–Western boundary that takes ¼ em."""
    return (is_han(a) and is_spaced(b)) or (is_spaced(a) and is_han(b))
