"""Inter-character justification for WeasyPrint 70: the only module that reaches into its internals.

WeasyPrint's ``text-align: justify`` stretches only U+0020 and U+00A0
(``weasyprint/layout/inline.py``: ``justify_line``), so a line of Han characters stays
ragged. clreq §3.8 (line adjustment) shares a line's extra width between the gaps between
characters instead. While `cjk_layout()` is active:

1. ``layout.inline.justify_line`` is replaced: the extra width of a justified line is given
   as Pango letter spacing to the gaps between wide characters (Han and CJK punctuation) of
   its text boxes, the way WeasyPrint's own ``add_word_spacing`` handles spaces: each box's
   layout is rebuilt, its width grows and later boxes shift. Gaps inside Western runs, inside
   —— and ……, and at Han–Western boundaries (which have their ¼ em margin) are not stretched.
   No character is added to the text.
2. ``layout.inline.text_align`` is wrapped to drop the ¼ em Han–Western margin of a
   ``span.hw`` at a line's start or end (clreq §3.2.1: no gap at a line's edges), and to
   give a half-width ``span.halt`` mark that ends a line its full width back, tightening
   the line's gaps if it then overflows.
3. ``draw.text`` writes glyph adjustments as ``int(kerning)``, truncating thousandths of an
   em; on a letter-spaced line every glyph has the same fraction, so the error adds up to
   about 0.3 pt at the right edge (plain rounding still leaves 0.2 pt). Inside that module
   ``int`` becomes `_DiffusedRound`, which rounds and carries each rounding error to the
   next glyph, and ``draw_first_line`` is wrapped to start each text box with no carry.

4. ``pdf.tags._get_pdf_tag`` is wrapped so that the blocks huozi adds get their PDF/UA
   structure types: ``<pre>`` a P holding ``<code>`` as Code (ISO 32000-1 §14.8.4.4), the
   ``<lbody>`` element the PDF templates wrap a list item's content in an LBody (so an item
   is Lbl + LBody, and a nested list sits inside the LBody), ``<aside>`` a Div, ``<em>``,
   ``<strong>`` and ``<del>`` a Span.

Pango letter spacing puts half of a grapheme's spacing on each side of it and drops the
halves at the layout's two ends, so the gap between graphemes i and i+1 of one box is
(L[i] + L[i+1]) / 2. `_letter_spacings` solves that chain for the wanted gaps.

Known to work with WeasyPrint 70.x (pinned in pyproject.toml); `check_compatible()` fails
loudly if the internals it relies on have changed.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import OutputError
from ..text.chars import is_wide
from ..text.typeset import ZERO_WIDTH

SUPPORTED_MAJOR = "70"
AUTOSPACE_CLASS = "hw"
HALT_CLASS = "halt"


@dataclass(frozen=True)
class _Glyph:
    """A visible character on a line: which leaf box holds it and where in the box's text."""

    leaf: int
    index: int
    char: str


def check_compatible() -> None:
    """Raise OutputError unless WeasyPrint has the internals this module patches."""
    import weasyprint

    inline = importlib.import_module("weasyprint.layout.inline")
    draw_text = importlib.import_module("weasyprint.draw.text")
    line_break = importlib.import_module("weasyprint.text.line_break")
    tags = importlib.import_module("weasyprint.pdf.tags")
    problems = []
    if not callable(getattr(tags, "_get_pdf_tag", None)):
        problems.append("pdf.tags._get_pdf_tag is gone")
    if weasyprint.__version__.split(".")[0] != SUPPORTED_MAJOR:
        problems.append(f"version {weasyprint.__version__} is not {SUPPORTED_MAJOR}.x")
    expected = {
        (inline, "justify_line"): ["context", "line", "extra_width"],
        (inline, "text_align"): ["context", "line", "available_width", "last"],
        (line_break.Layout, "set_text"): ["self", "text", "justify"],
        (line_break.Layout, "reactivate"): ["self", "style"],
        (line_break.Layout, "__init__"): ["self", "style", "justification_spacing", "max_width"],
    }
    for (owner, name), params in expected.items():
        function = getattr(owner, name, None)
        if function is None or list(inspect.signature(function).parameters) != params:
            problems.append(f"{getattr(owner, '__name__', owner)}.{name} changed")
    if "int(kerning)" not in inspect.getsource(draw_text.draw_first_line):
        problems.append("draw.text.draw_first_line no longer truncates kerning with int()")
    if problems:
        raise OutputError("the CJK justification patch does not fit this WeasyPrint: " + "; ".join(problems),
                          hint="install weasyprint>=70,<71 (see pyproject.toml) or update huozi/pdf/weasy_patch.py")


@contextmanager
def cjk_layout(justify: bool = True) -> Iterator[None]:
    """Activate the patches for the duration of a render and a PDF write, then restore them.

    With `justify` false lines keep WeasyPrint's own justification (spaces only), but the
    Han–Western margins are still dropped at line edges.
    """
    check_compatible()
    inline = importlib.import_module("weasyprint.layout.inline")
    draw_text = importlib.import_module("weasyprint.draw.text")
    saved_justify, saved_align = inline.justify_line, inline.text_align
    saved_draw = draw_text.draw_first_line
    tags = importlib.import_module("weasyprint.pdf.tags")
    saved_tag = tags._get_pdf_tag
    tags._get_pdf_tag = _make_pdf_tag(saved_tag)
    had_int = "int" in vars(draw_text)
    saved_int = vars(draw_text).get("int")
    rounding = _DiffusedRound()
    inline.justify_line = _make_justify_line(saved_justify) if justify else saved_justify
    inline.text_align = _make_text_align(saved_align)
    draw_text.int = rounding
    draw_text.draw_first_line = _make_draw_first_line(saved_draw, rounding)
    try:
        yield
    finally:
        inline.justify_line, inline.text_align = saved_justify, saved_align
        draw_text.draw_first_line = saved_draw
        tags._get_pdf_tag = saved_tag
        if had_int:
            draw_text.int = saved_int
        else:
            del draw_text.int


_PDF_TAGS = {"pre": "P", "code": "Code", "lbody": "LBody", "aside": "Div", "em": "Span",
             "strong": "Span", "del": "Span"}


def _make_pdf_tag(original):
    def get_pdf_tag(tag):
        return _PDF_TAGS.get(tag, None) or original(tag)
    return get_pdf_tag


class _DiffusedRound:
    """`int` for weasyprint.draw.text: round, and carry the rounding error to the next glyph.

    The PDF writes each glyph's adjustment in whole thousandths of an em; on a spaced line
    all glyphs share the same fraction, so independent rounding drifts by n/2000 em.
    """

    def __init__(self) -> None:
        self.carry = 0.0

    def __call__(self, value: float) -> int:
        total = value + self.carry
        written = int(round(total))
        self.carry = total - written
        return written


def _make_draw_first_line(original, rounding: _DiffusedRound):
    def draw_first_line(*args, **kwargs):
        rounding.carry = 0.0  # each text box starts at an exact position
        return original(*args, **kwargs)
    return draw_first_line


# --- line edges: no Han–Western margin at a line's start or end -------------------------------

def _make_text_align(original):
    def text_align(context, line, available_width, last):
        _trim_edge_margins(line)
        _widen_line_end_mark(line)
        if line.width > available_width:  # a widened mark: tighten the gaps instead (clreq §3.8)
            if _justify_between_characters(context, line, available_width - line.width):
                line.width = available_width  # exactly, so that WeasyPrint does not justify again
        return original(context, line, available_width, last)
    return text_align


def _has_class(box, name: str) -> bool:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) != "span":
        return False
    return name in (element.get("class") or "").split()


def _is_autospace(box) -> bool:
    return _has_class(box, AUTOSPACE_CLASS)


def _widen_line_end_mark(line) -> None:
    """Give back its full em to a half-width (``halt``) mark whose partner went to the next line.

    The typesetter halves the first of two adjacent marks (”“ → ”“ in 1.5 em); when a break
    falls between them the first mark ends the line alone and keeps one width with the same
    mark elsewhere: full width, ink at the left and blank at the right.
    """
    from weasyprint.formatting_structure import boxes

    chain = _edge_chain(line, last=True)
    leaf = chain[-1]
    if not isinstance(leaf, boxes.TextBox) or len(chain) < 3 or not _has_class(chain[-2], HALT_CLASS):
        return
    if len(leaf.text.strip("".join(ZERO_WIDTH))) != 1:
        return
    missing = leaf.style["font_size"] - leaf.width
    if missing <= 0:
        return
    for box in chain:
        box.width += missing


def _edge_chain(line, last: bool) -> list:
    """The line and its first (or last) in-flow descendants down to a leaf."""
    chain, box = [line], line
    while getattr(box, "children", None):
        children = [c for c in box.children if c.is_in_normal_flow() and not _blank(c)]
        if not children:
            break
        box = children[-1] if last else children[0]
        chain.append(box)
    return chain


def _blank(box) -> bool:
    """A box with nothing to see: only zero-width break controls (a ZWSP left at a line's end)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return not box.text.strip("".join(ZERO_WIDTH))
    if isinstance(box, boxes.InlineBox):
        return all(_blank(child) for child in box.children) and not box.margin_width()
    return False


def _trim_edge_margins(line) -> None:
    from weasyprint.formatting_structure import boxes

    for last in (False, True):
        chain = _edge_chain(line, last)
        for depth, box in enumerate(chain):
            if not isinstance(box, boxes.InlineBox) or not _is_autospace(box):
                continue
            margin = box.margin_right if last else box.margin_left
            if not margin:
                continue
            if last:
                box.margin_right = 0
            else:
                box.margin_left = 0
                for child in box.children:
                    child.translate(-margin)
                for parent, child in zip(chain[:depth], chain[1:depth + 1]):
                    after = parent.children[parent.children.index(child) + 1:]
                    for sibling in after:
                        sibling.translate(-margin)
            for ancestor in chain[:depth]:
                ancestor.width -= margin


# --- justification: letter spacing between wide characters -------------------------------------

def _make_justify_line(original):
    def justify_line(context, line, extra_width):
        if not _justify_between_characters(context, line, extra_width):
            original(context, line, extra_width)
    return justify_line


def _leaves(box) -> Iterator:
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.InlineBox):
            yield from _leaves(child)
        else:
            yield child


def _stretchable(before: str, after: str) -> bool:
    """clreq §3.8: spread between wide characters, never inside —— or …… or Western text."""
    if not (is_wide(before) and is_wide(after)):
        return False  # Western text, or a Han–Western boundary that has its own ¼ em
    return not (before == after and before in "—…")


def _justify_between_characters(context, line, extra_width: float) -> bool:
    """Share `extra_width` between the line's character gaps; False if it has none."""
    from weasyprint.formatting_structure import boxes

    if line.style["direction"] != "ltr":
        return False
    leaves = list(_leaves(line))
    for leaf in leaves:
        if isinstance(leaf, boxes.TextBox):
            if leaf.style["letter_spacing"] != "normal":
                return False
            stripped = leaf.text.strip("".join(ZERO_WIDTH))
            if stripped:
                leaf.text = stripped  # the breaks are made; edge controls would take spacing
    glyphs = [
        _Glyph(n, i, ch)
        for n, leaf in enumerate(leaves) if isinstance(leaf, boxes.TextBox)
        for i, ch in enumerate(leaf.text) if ch not in ZERO_WIDTH
    ]
    gaps = [_stretchable(a.char, b.char) for a, b in zip(glyphs, glyphs[1:])]
    if not any(gaps):
        return False
    step = extra_width / sum(gaps)
    inner: dict[int, list[float]] = {n: [0.0] * max(len(leaf.text) - 1, 0)
                                     for n, leaf in enumerate(leaves) if isinstance(leaf, boxes.TextBox)}
    before_leaf: dict[int, float] = {}
    for a, b, stretch in zip(glyphs, glyphs[1:], gaps):
        if not stretch:
            continue
        if a.leaf == b.leaf:  # spread over the zero-width controls between them, if any
            for k in range(a.index, b.index):
                inner[a.leaf][k] += step / (b.index - a.index)
        else:
            before_leaf[b.leaf] = before_leaf.get(b.leaf, 0.0) + step
    _apply(context, line, leaves, inner, before_leaf)
    return True


def _apply(context, line, leaves: list, inner: dict[int, list[float]], before_leaf: dict[int, float]) -> None:
    """Rebuild spaced layouts, grow widths and shift boxes left to right (as add_word_spacing)."""
    from weasyprint.formatting_structure import boxes

    index = {id(leaf): n for n, leaf in enumerate(leaves)}

    def first_leaf(box):
        while isinstance(box, boxes.InlineBox) and box.children:
            box = box.children[0]
        return index.get(id(box))

    def walk(box, advance: float) -> float:
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            if box is not line:
                advance += before_leaf.pop(first_leaf(box), 0.0)
            box.position_x += advance
            start = advance
            for child in box.children:
                if child.is_in_normal_flow():
                    advance = walk(child, advance)
            box.width += advance - start
            return advance
        n = index.get(id(box))
        advance += before_leaf.pop(n, 0.0)
        if isinstance(box, boxes.TextBox):
            box.position_x += advance
            gaps = inner.get(n, [])
            if any(gaps):
                box.pango_layout = _spaced_layout(box, gaps)
                box.width += sum(gaps)
                advance += sum(gaps)
        else:
            box.translate(advance, 0)  # atomic inline box
        return advance

    walk(line, 0.0)


def _letter_spacings(gaps: list[float]) -> list[float]:
    """Per-character letter spacing giving gap[i] between characters i and i+1 (see docstring)."""
    spacings = [gaps[0] if gaps else 0.0]
    for gap in gaps:
        spacings.append(2 * gap - spacings[-1])
    return spacings


def _spaced_layout(box, gaps: list[float]):
    """A deactivated Pango layout of the box's text with the letter spacing for `gaps`."""
    layout = _spaced_layout_class()(box.style, 0, None)
    layout.spacings = _letter_spacings(gaps)
    layout.set_text(box.text)
    layout.deactivate()
    return layout


_SPACED_LAYOUT = None


def _spaced_layout_class():
    """WeasyPrint's Layout that re-applies per-character spacing each time its text is set.

    WeasyPrint deactivates layouts after layout and calls ``reactivate`` (``set_text``) when
    drawing, so the spacing must live on the layout object, not on a Pango attribute list.
    """
    global _SPACED_LAYOUT
    if _SPACED_LAYOUT is not None:
        return _SPACED_LAYOUT
    from weasyprint.text.ffi import ffi, pango, TO_UNITS
    from weasyprint.text.line_break import Layout

    class SpacedLayout(Layout):
        spacings: list[float] = []

        def set_text(self, text, justify=False):
            super().set_text(text, justify)
            attributes = pango.pango_layout_get_attributes(self.layout)
            if attributes == ffi.NULL:
                attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
            offset = 0
            for char, spacing in zip(self.text, self.spacings):
                size = len(char.encode())
                if spacing:
                    attribute = pango.pango_attr_letter_spacing_new(round(spacing * TO_UNITS))
                    attribute.start_index, attribute.end_index = offset, offset + size
                    pango.pango_attr_list_change(attributes, attribute)
                offset += size
            pango.pango_layout_set_attributes(self.layout, attributes)

    _SPACED_LAYOUT = SpacedLayout
    return SpacedLayout
