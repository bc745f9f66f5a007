"""Character classes used by the CJK rules (clreq; Unicode East Asian Width)."""
from __future__ import annotations

import unicodedata

# clreq §3.1.7 "basic" level: characters that may not start a line.
NO_START = set("、，。．；：？！）］｝〕〉》」』】〗〙〛”’…—‥〃々〻ゝゞ・：；？！，．％")
# ...and characters that may not end a line.
NO_END = set("（［｛〔〈《「『【〖〘〚“‘")
# Marks that clreq keeps as one unit: never split between the two halves.
PAIRED = ("——", "……")


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
    """Latin letters and digits: the side of a Han–Western boundary that gets ¼ em (clreq §3.2)."""
    return ch.isascii() and ch.isalnum() or unicodedata.category(ch) in ("Lu", "Ll") and not is_wide(ch)
