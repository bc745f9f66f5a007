"""matplotlib's SVG made fit to sit inside HTML and to stand alone in an EPUB."""
from __future__ import annotations

import re

from . import style

_PROLOGUE = re.compile(r"\A<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(xlink:href="#|url\(#)([^")]+)')
_FONT = re.compile(r"font-family: '([^']+)'")


def tidy(svg: str, prefix: str, title: str) -> str:
    """One figure's SVG with ids unique in the book, a font fallback and an accessible title.

    Several figures share one HTML document in the PDF editions, and matplotlib names every
    figure's parts alike (figure_1, axes_1, …): prefixing keeps `<use>` and clip paths apart.
    The DOCTYPE goes: reading systems must not fetch the SVG 1.1 DTD.
    """
    svg = _DOCTYPE.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    svg = _FONT.sub(lambda m: f"font-family: '{m.group(1)}', {style.FONT_FALLBACK}", svg)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}\n <title>{escaped}</title>", svg, count=1)


_STYLE = re.compile(r'style="([^"]*)"')


def _as_attributes(match: re.Match) -> str:
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
