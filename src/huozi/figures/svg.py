"""matplotlib's SVG made fit to sit inside HTML and to stand alone in an EPUB."""
from __future__ import annotations

import re

from ..text.chars import han_western
from . import style

_PROLOGUE = re.compile(r"\A<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(xlink:href="#|url\(#)([^")]+)')
_FONT = re.compile(r"font-family: '([^']+)'")
_TEXT = re.compile(r'(<text\b[^>]*?)(>)([^<]+)(</text>)')
_FONT_SIZE = re.compile(r"font-size: ([0-9.]+)px")
AUTOSPACE_EM = 0.25  # clreq §3.2.1, as in the body text (styles/base.css .hw-l, .hw-r)


def _han_western(a: str, b: str) -> bool:
    if len(a) != 1 or len(b) != 1:
        return False  # an entity (&amp;, &lt;) is neither
    return han_western(a, b)


def autospace_gaps(text: str) -> int:
    """How many ¼ em gaps `autospace` will add to a label of plain `text`."""
    return sum(1 for a, b in zip(text, text[1:]) if _han_western(a, b))


def autospace(svg: str) -> str:
    """¼ em between Han and Western letters or digits in the figure's labels, by layout alone.

    matplotlib writes each label as one ``<text>`` (``svg.fonttype = "none"``); a per-character
    ``dx`` list (SVG 1.1 §10.5) moves each glyph after a Han–Western boundary, so the label's
    text stays exactly what the data says ("13个", no space character). Text anchors (middle, end)
    are applied by renderers to the label's whole advance, dx included.
    """
    def space(match: re.Match[str]) -> str:
        head, close, text, end = match.groups()
        size = _FONT_SIZE.search(head)
        if size is None or " dx=" in head:
            return match.group(0)
        chars = _characters(text)
        shifts = ["0"] + [f"{AUTOSPACE_EM * float(size.group(1)):g}" if _han_western(a, b) else "0"
                          for a, b in zip(chars, chars[1:])]
        if all(shift == "0" for shift in shifts):
            return match.group(0)
        return f'{head} dx="{" ".join(shifts)}"{close}{text}{end}'
    return _TEXT.sub(space, svg)


def _characters(text: str) -> list[str]:
    """The characters of XML character data (an entity such as &amp; is one character)."""
    return re.findall(r"&[^;]+;|.", text, re.S)


def tidy(svg: str, prefix: str, title: str) -> str:
    """One figure's SVG with ids unique in the book, a font fallback, Han–Western spacing in its
    labels (`autospace`) and an accessible title.

    Several figures share one HTML document in the PDF editions, and matplotlib names every
    figure's parts alike (figure_1, axes_1, …): prefixing keeps `<use>` and clip paths apart.
    The DOCTYPE goes: reading systems must not fetch the SVG 1.1 DTD.
    """
    svg = _DOCTYPE.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    svg = _FONT.sub(lambda m: f"font-family: '{m.group(1)}', {style.FONT_FALLBACK}", svg)
    svg = autospace(svg)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}\n <title>{escaped}</title>", svg, count=1)


_STYLE = re.compile(r'style="([^"]*)"')


def _as_attributes(match: re.Match[str]) -> str:
    declarations = [d.split(":", 1) for d in match.group(1).split(";") if ":" in d]
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in declarations)


def inline(svg: str) -> str:
    """The SVG element alone, without the XML declaration, for HTML.

    Style attributes become presentation attributes (SVG 1.1 §6.4: every styling property has
    one): WeasyPrint's HTML cascade also reads the style attributes of inline SVG, knows no
    `stroke` or `text-anchor`, and would log a warning per element; its SVG renderer reads the
    attributes all the same.
    """
    return _PROLOGUE.sub("", _STYLE.sub(_as_attributes, svg)).strip()
