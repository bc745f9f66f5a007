"""Inter-character justification for WeasyPrint 70: the only module that patches WeasyPrint.

(`boxes.py` is the only other module that reads its private names: the laid-out box tree.)

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

5. ``layout.block.table_layout`` is wrapped so that a table's header row marked ``tbl-cont``
   (it says 续表N) is laid out only on the pages after the table's first: WeasyPrint repeats
   the whole header group on every page, and CSS cannot tell a repeated header from the first.
   ``layout.table.table_and_columns_preferred_widths`` is wrapped to keep each table's column
   min- and max-content widths on its box (`TABLE_WIDTHS`), which huozi.pdf.tables reads to
   set a table too wide for the measure smaller, or turn it.

4. ``pdf.tags._get_pdf_tag`` is wrapped so that the blocks huozi adds get their PDF/UA
   structure types: ``<pre>`` a P holding ``<code>`` as Code (ISO 32000-1 §14.8.4.4), the
   ``<lbody>`` element the PDF templates wrap a list item's content in an LBody (so an item
   is Lbl + LBody, and a nested list sits inside the LBody), ``<aside>`` a Div, ``<em>``,
   ``<strong>`` and ``<del>`` a Span; a footnote (``<fn>``) a Note, its paragraphs (``<fnp>``)
   P, its mark an Lbl and its call in the text a Link (`pdf.notes` gives the call its link).

6. ``pdf.stream.Stream.marked`` is wrapped (`record_mcids`, once, for the handout) to keep the
   MCID WeasyPrint gives each box it draws as marked content (`MCIDS`), which its tags.py
   forgets: huozi.pdf.structure finds the structure elements of page boxes by it.

`press_images` (outside `cjk_layout`, for the press edition's PDF write) replaces
``images.RasterImage.get_x_object``: RGB images are converted to the press's CMYK output
intent with the image's own ICC profile (sRGB when it has none), so a PDF/X-4 file holds no
DeviceRGB; an alpha channel stays a DeviceGray soft mask.

`svg_text_runs` (for PDF writes) replaces ``svg.text.text`` for the common SVG text (one x and
y, dx/dy shifts): its letters are laid out and drawn a run at a time, not one by one.

`kept_subsets` and `kept_deflate` (also for PDF writes) keep what a write made and the next one
makes again from the same bytes: HarfBuzz's font subsets (``pdf.fonts.Font._harfbuzz_subset``)
and pydyf's deflated streams (its module's ``zlib``). While `kept_subsets` is active, a
``pdf.fonts.Font`` copies its face's bytes out of HarfBuzz only when they are read (its
``__init__`` and a ``file_content`` property).

`page_floats` (for the print edition's layouts) wraps ``layout.page.remake_page``: a page with a
figure mid-page is laid out again with the figure moved to its top or bottom (figures/placement.py),
or with the figure's laid-out box set above its text, in room ``layout.page.set_page_type_computed_styles``
(also wrapped) gives that page as top padding.

`marks_drawn_once` (for PDF writes) replaces ``draw.SVGImage``, which draws only the printer's
marks: a page's marks are the operators of the first page of its size, replayed.

Pango letter spacing puts half of a grapheme's spacing on each side of it and drops the
halves at the layout's two ends, so the gap between graphemes i and i+1 of one box is
(L[i] + L[i+1]) / 2. `_letter_spacings` solves that chain for the wanted gaps.

Known to work with WeasyPrint 70.x (pinned in pyproject.toml); `check_compatible()` fails
loudly if the internals it relies on have changed.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import os
import re
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import TypographyOptions

from .. import contract
from ..errors import OutputError
from ..text.chars import BREAK_HERE, CLOSING, OPENING, STOPS, WORD_JOINER, ZERO_WIDTH, is_han, is_narrow, is_wide, strip_controls
from .boxes import line_leaves

SUPPORTED_MAJOR = "70"
AUTOSPACE_CLASS = contract.AUTOSPACE
HALT_CLASS = contract.HALT
# A word space takes this many shares of a line's extra width for each share a Han gap takes.
SPACE_STRETCH = 3.0


# Marks whose blank half may go at a line's end (GB/T 15834-2011 §5.1.2) and those that may hang.
END_MARKS = CLOSING | STOPS
HANGING_MARKS = frozenset("。，、．")


@dataclass(frozen=True)
class LineEdges:
    """What a line's first and last mark may give up (from `[typography]` in book.toml)."""

    compress_end: bool = True
    compress_start: bool = False
    hanging: bool = False

    def end_amount(self, char: str, advance: float, font_size: float, pair_halved: bool) -> float:
        """Width a line's last glyph gives up (negative: takes back) at the line's end."""
        if self.hanging and char in HANGING_MARKS:
            return advance
        if self.compress_end and char in END_MARKS and advance > 0.75 * font_size:
            return advance - font_size / 2
        if not self.compress_end and pair_halved:
            return -max(font_size - advance, 0.0)  # its partner went down: the mark is whole again
        return 0.0

    def start_amount(self, char: str, advance: float, font_size: float) -> float:
        if self.compress_start and char in OPENING and advance > 0.75 * font_size:
            return advance - font_size / 2
        return 0.0


@dataclass(frozen=True)
class _Glyph:
    """A visible character on a line: which leaf box holds it and where in the box's text."""

    leaf: int
    index: int
    char: str


def import_weasyprint() -> Any:
    """WeasyPrint, imported without the detours of its library search.

    Its text/ffi.py tries names such as ``libgobject-2.0-0`` and ``gobject-2.0-0`` before the
    soname ``libgobject-2.0.so.0``, and cffi hands every name dlopen cannot open to
    ``ctypes.util.find_library``, which on Linux runs ldconfig, then gcc and ld: sixteen names
    fail so on Debian, 0.16 s of each worker's start. Every list ends with the soname, which
    dlopen finds by itself, and find_library's answers for the other names are those sonames: so
    while WeasyPrint's libraries load, find_library answers None at once, and the same libraries
    are loaded (tests/test_pdf_common.py compares them). Two fontTools modules it never uses
    here are imported only if used (`_FALLBACKS`).
    """
    import sys

    if "weasyprint.text.ffi" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint
        return weasyprint
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    stand_ins = _stand_in(_FALLBACKS)
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = original
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]      # a later import of it is the real module
    return weasyprint


# What WeasyPrint's pdf/fonts.py imports for faces huozi never gives it: fontTools' subsetter
# (HarfBuzz subsets here) and the instancer of variable fonts. Imported, they were 0.07 s of each
# worker's 0.42 s warm-up, in the critical path of every build.
_FALLBACKS = ("fontTools.subset", "fontTools.varLib.instancer")


def _stand_in(names: tuple[str, ...]) -> dict[str, Any]:
    """A module for each of `names` not yet imported, whose every attribute is a function that
    imports the real module when first called and calls the attribute of that name in it. (WeasyPrint
    only calls what it takes from them: `subset.Options(...)`, `instantiateVariableFont(...)`.)
    importlib's LazyLoader cannot stand in: `from m import name` loads the module at once."""
    import sys
    import types

    made: dict[str, Any] = {}
    for name in names:
        if name in sys.modules:
            continue
        module = types.ModuleType(name, "huozi's stand-in until first use (pdf/weasy_patch.py)")

        def forward(attribute: str, name: str = name) -> Callable[..., Any]:
            if attribute.startswith("__"):
                raise AttributeError(attribute)
            return lambda *args, **kwargs: getattr(importlib.import_module(name), attribute)(*args, **kwargs)

        module.__getattr__ = forward  # type: ignore[method-assign]
        sys.modules[name] = made[name] = module
    return made


def check_compatible() -> None:
    """Raise OutputError unless WeasyPrint has the internals this module patches."""
    weasyprint = import_weasyprint()

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
    table = importlib.import_module("weasyprint.layout.table")
    block = importlib.import_module("weasyprint.layout.block")
    if getattr(block, "table_layout", None) is not table.table_layout:
        problems.append("layout.block no longer calls layout.table.table_layout by name")
    if not callable(getattr(table, "table_and_columns_preferred_widths", None)):
        problems.append("layout.table.table_and_columns_preferred_widths is gone")
    svg: Any = importlib.import_module("weasyprint.svg")
    svg_text = importlib.import_module("weasyprint.svg.text")
    if (svg.TAGS.get("text") is not svg.text or list(inspect.signature(svg.text).parameters) != ["svg", "node", "font_size"]
            or not hasattr(svg_text, "TextBox") or not hasattr(svg_text, "Style")):
        problems.append("svg.text changed")
    if "int(kerning)" not in inspect.getsource(draw_text.draw_first_line):
        problems.append("draw.text.draw_first_line no longer truncates kerning with int()")
    pdf_fonts: Any = importlib.import_module("weasyprint.pdf.fonts")
    if (inspect.getsource(pdf_fonts.Font.__init__).count("get_hb_object_data(") != 1
            or "self.file_content = get_hb_object_data(self.hb_face)" not in inspect.getsource(pdf_fonts.Font.__init__)):
        problems.append("pdf.fonts.Font no longer copies its face once, as it is made (kept_subsets)")
    page: Any = importlib.import_module("weasyprint.layout.page")
    if (list(inspect.signature(page.remake_page).parameters) != ["index", "context", "root_box", "html"]
            or "remake_page(i, context, root_box, html)" not in inspect.getsource(page.make_all_pages)):
        problems.append("layout.page.make_all_pages no longer lays a page out with remake_page (page_floats)")
    if ("set_page_type_computed_styles(page_type, html, context.style_for)" not in inspect.getsource(page.remake_page)
            or "page.children = [root_box, footnote_area, note_area]" not in inspect.getsource(page.make_page)):
        problems.append("layout.page.remake_page no longer styles its page by name, or make_page's page changed")
    context_names = ("footnotes", "reported_footnotes", "broken_out_of_flow", "running_elements", "rendered_notes")
    if not all(f"self.{name} = " in inspect.getsource(weasyprint.layout.LayoutContext.__init__) for name in context_names):
        problems.append("layout.LayoutContext no longer keeps what page_floats puts back")
    if problems:
        raise OutputError("the CJK justification patch does not fit this WeasyPrint: " + "; ".join(problems),
                          hint="install weasyprint>=70,<71 (see pyproject.toml) or update huozi/pdf/weasy_patch.py")


def cjk_layout_for(typography: TypographyOptions) -> AbstractContextManager[None]:
    """`cjk_layout` with the book's `[typography]` options."""
    edges = LineEdges(typography.compress_line_end, typography.compress_line_start, typography.hanging)
    return cjk_layout(typography.justify, total_fit=typography.total_fit, edges=edges)


@contextmanager
def cjk_layout(justify: bool = True, total_fit: bool = True, edges: LineEdges = LineEdges()) -> Iterator[None]:
    """Activate the patches for the duration of a render and a PDF write, then restore them.

    With `justify` false lines keep WeasyPrint's own justification (spaces only), but the
    Han–Western margins are still dropped at line edges.
    """
    check_compatible()
    # WeasyPrint's modules, patched: untyped, Any at this boundary.
    inline: Any = importlib.import_module("weasyprint.layout.inline")
    draw_text: Any = importlib.import_module("weasyprint.draw.text")
    saved_justify, saved_align = inline.justify_line, inline.text_align
    saved_draw = draw_text.draw_first_line
    tags: Any = importlib.import_module("weasyprint.pdf.tags")
    saved_tag = tags._get_pdf_tag
    tags._get_pdf_tag = _make_pdf_tag(saved_tag)
    block: Any = importlib.import_module("weasyprint.layout.block")
    table: Any = importlib.import_module("weasyprint.layout.table")
    saved_lines = block.iter_line_boxes
    saved_table, saved_widths = block.table_layout, table.table_and_columns_preferred_widths
    block.table_layout = _make_table_layout(saved_table)
    table.table_and_columns_preferred_widths = _make_preferred_widths(saved_widths)
    had_int = "int" in vars(draw_text)
    saved_int = vars(draw_text).get("int")
    rounding = _DiffusedRound()
    inline.justify_line = _make_justify_line(saved_justify) if justify else saved_justify
    inline.text_align = _make_text_align(saved_align, edges)
    draw_text.int = rounding
    draw_text.draw_first_line = _make_draw_first_line(saved_draw, rounding)
    if justify and total_fit:
        block.iter_line_boxes = _make_iter_line_boxes(saved_lines, 2, edges)
    try:
        yield
    finally:
        inline.justify_line, inline.text_align = saved_justify, saved_align
        draw_text.draw_first_line = saved_draw
        tags._get_pdf_tag = saved_tag
        block.iter_line_boxes = saved_lines
        block.table_layout, table.table_and_columns_preferred_widths = saved_table, saved_widths
        if had_int:
            draw_text.int = saved_int
        else:
            del draw_text.int


_PDF_TAGS = {"pre": "P", "code": "Code", contract.LIST_BODY: "LBody", "aside": "Div", "em": "Span",
             "strong": "Span", "del": "Span", "fn": "Note", "fnp": "P", "fn::footnote-marker": "Lbl",
             "fn::footnote-call": "Link"}


def _make_pdf_tag(original):
    def get_pdf_tag(tag):
        return _PDF_TAGS.get(tag, None) or original(tag)
    return get_pdf_tag


# --- tables: 续表 on the pages after the first, and the widths of their columns -----------------

CONTINUED_ROW_CLASS = contract.CONTINUED_ROW
TABLE_WIDTHS = "_huozi_column_widths"  # attribute of a laid-out table box: (min-content, max-content) per column, px


def _make_table_layout(original):
    def table_layout(context, table, bottom_space, skip_stack, *args):
        header = table.children[0] if table.children and table.children[0].is_header else None
        continued = [row for row in header.children if _has_row_class(row, CONTINUED_ROW_CLASS)] if header else []
        if not continued or skip_stack is not None:
            return original(context, table, bottom_space, skip_stack, *args)
        # The table's first page: lay out its header without the 续表 row, then put the group back.
        table.children[0] = header.copy_with_children([row for row in header.children if row not in continued])
        try:
            return original(context, table, bottom_space, skip_stack, *args)
        finally:
            table.children[0] = header
    return table_layout


def _has_row_class(row, name: str) -> bool:
    element = getattr(row, "element", None)
    return element is not None and row.element_tag == "tr" and name in (element.get("class") or "").split()


def _make_preferred_widths(original):
    def table_and_columns_preferred_widths(context, box, outer=True):
        result = original(context, box, outer)
        table = box.get_wrapped_table() if box.is_table_wrapper else box
        if table is not None and not hasattr(table, TABLE_WIDTHS):
            setattr(table, TABLE_WIDTHS, (tuple(result[2]), tuple(result[3])))
        return result
    return table_and_columns_preferred_widths


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

def _make_text_align(original, edges: LineEdges):
    def text_align(context, line, available_width, last):
        _trim_edge_margins(line)
        _adjust_line_end(context, line, edges, last)
        _adjust_line_start(line, edges)
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


def _adjust_line_end(context, line, edges: LineEdges, last: bool) -> None:
    """Compress (or hang) the mark that ends a line, or widen a half-width mark left alone there.

    The typesetter halves the first of two adjacent marks (”“ → ”“ in 1.5 em); when a break falls
    between them and line ends are not compressed, the first mark keeps one width with the same
    mark elsewhere: full width, ink at the left and blank at the right. A compressed mark keeps
    its glyph and loses its blank half past the text block's edge; a hanging one goes all outside.
    """
    from weasyprint.formatting_structure import boxes

    chain = _edge_chain(line, last=True)
    leaf = chain[-1]
    if last or not isinstance(leaf, boxes.TextBox) or len(chain) < 2:
        return
    visible = leaf.text.rstrip("".join(ZERO_WIDTH) + " ")
    if not visible:
        return
    pair_halved = len(chain) >= 3 and _has_class(chain[-2], HALT_CLASS) and len(visible.lstrip("".join(ZERO_WIDTH))) == 1
    advance = _advance_of(context, leaf, visible[-1]) if visible[-1] in END_MARKS or pair_halved else 0.0
    amount = edges.end_amount(visible[-1], advance, leaf.style["font_size"], pair_halved)
    if amount:
        for box in chain:
            box.width -= amount


def _advance_of(context, leaf, char: str) -> float:
    """Advance of one character in a text box's style (px), as Pango shapes it alone."""
    from weasyprint.text.line_break import create_layout

    layout = create_layout(char, leaf.style, context, None, 0)
    line, _ = layout.get_first_line()
    return _line_width(line)


def _line_width(line) -> float:
    from weasyprint.text.ffi import FROM_UNITS, ffi

    total, run = 0.0, line.runs
    while run != ffi.NULL:
        glyphs = run.data.glyphs
        total += sum(glyphs.glyphs[i].geometry.width for i in range(glyphs.num_glyphs)) * FROM_UNITS
        run = run.next
    return total


def _adjust_line_start(line, edges: LineEdges) -> None:
    """Pull a line that starts with a full-width opening mark left by the mark's blank half."""
    from weasyprint.formatting_structure import boxes

    if not edges.compress_start:
        return
    chain = _edge_chain(line, last=False)
    leaf = chain[-1]
    if not isinstance(leaf, boxes.TextBox):
        return
    visible = leaf.text.lstrip("".join(ZERO_WIDTH))
    if not visible or visible[0] not in OPENING or _has_class(chain[-2], HALT_CLASS) or _has_class(chain[-2], contract.HALF):
        return
    amount = edges.start_amount(visible[0], leaf.style["font_size"], leaf.style["font_size"])
    if amount:
        for child in line.children:
            child.translate(-amount)
        line.width -= amount


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
    return (leaf for leaf, _ in line_leaves(box))


def _stretchable(before: str, after: str) -> float:
    """How much of a line's extra width the gap between two characters takes (0: none).

    clreq §3.8: spread between wide characters, never inside —— or …… or a Western word. A
    space between Western words stretches too, and more (SPACE_STRETCH shares): a word space
    opened by a fifth of an em reads as normal, Han characters spaced as much look loose.
    """
    if before == " " and after != " ":
        return SPACE_STRETCH
    if not (is_wide(before) and is_wide(after)):
        return 0.0  # Western text, or a Han–Western boundary that has its own ¼ em
    return 0.0 if before == after and before in "—…" else 1.0


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
    if extra_width < 0:  # shrinking: evenly, a word space no more than a Han gap
        gaps = [1.0 if gap else 0.0 for gap in gaps]
    step = extra_width / sum(gaps)
    line.huozi_spacing_em = step / line.style["font_size"]  # per Han gap: read by the lint (checks/lint.py)
    inner: dict[int, list[float]] = {n: [0.0] * max(len(leaf.text) - 1, 0)
                                     for n, leaf in enumerate(leaves) if isinstance(leaf, boxes.TextBox)}
    before_leaf: dict[int, float] = {}
    for a, b, stretch in zip(glyphs, glyphs[1:], gaps):
        if not stretch:
            continue
        if a.leaf == b.leaf:  # spread over the zero-width controls between them, if any
            for k in range(a.index, b.index):
                inner[a.leaf][k] += step * stretch / (b.index - a.index)
        else:
            before_leaf[b.leaf] = before_leaf.get(b.leaf, 0.0) + step * stretch
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
        n = index[id(box)] if id(box) in index else -1   # -1: a box with no glyphs of its own
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
    from weasyprint.text.ffi import TO_UNITS, ffi, pango
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


# --- total-fit line breaking: the paragraph's breaks chosen at once, then enforced ------------

BREAKS_ATTRIBUTE = "data-huozi-breaks"  # on the paragraph's element: how its lines were broken (read by the lint)
URL_BREAK_AFTER = frozenset("/?&-=#._")
# Longer paragraphs are broken greedily: each is laid out whole to verify its breaks, and
# WeasyPrint's line splitting costs time in the length of the rest of the paragraph.
MAX_PLANNED_CHARS = 3_000
URL_PENALTY = 5_000.0      # a break inside a URL or a long word, only to keep the text block
ANYWHERE_PENALTY = 50_000.0


@dataclass
class _Paragraph:
    """A paragraph's measured text and its plan, kept on its LineBox across layout passes."""

    key: tuple
    originals: list           # (leaf, text, style) to restore if the measure changes
    lines: frozenset[str]     # the planned lines' visible text, to verify the layout against
    spacing: tuple[float, ...]


def _make_iter_line_boxes(original, last_line_units: int, edges: LineEdges):
    def iter_line_boxes(context, box, position_y, bottom_space, skip_stack, containing_block, *args):
        def lines():
            return original(context, box, position_y, bottom_space, skip_stack, containing_block, *args)
        paragraph = _plan(context, box, containing_block, last_line_units, edges) if skip_stack is None else None
        if paragraph is None:
            yield from lines()
            return
        # A planned paragraph is plain text (no floats, no positioned boxes): laying out all its lines
        # at once has no side effect, and lets a paragraph WeasyPrint broke otherwise start again greedily.
        laid_out = list(lines())
        if all(_visible_line(line) in paragraph.lines for line, _ in laid_out):
            yield from laid_out
            return
        _restore(paragraph.originals)
        box._huozi_paragraph = _Paragraph((), [], frozenset(), ())  # never planned again
        _mark(containing_block, "fallback: WeasyPrint did not take the planned breaks", force=True)
        yield from lines()
    return iter_line_boxes


def _mark(block, value: str, force: bool = False) -> None:
    element = getattr(block, "element", None)
    if element is None or getattr(block, "element_tag", None) != "p":
        return
    if force or not (element.get(BREAKS_ATTRIBUTE) or "").startswith("fallback: WeasyPrint"):
        element.set(BREAKS_ATTRIBUTE, value)


def _visible_line(line) -> str:
    from weasyprint.formatting_structure import boxes

    text = "".join(leaf.text for leaf in _leaves(line) if isinstance(leaf, boxes.TextBox))
    return strip_controls(text).strip(" ")


def _flatten(box, out: list, left: float = 0.0) -> float | None:
    """(leaf, extra before, extra after, autospace sides) for each text leaf; None if not all text."""
    from weasyprint.formatting_structure import boxes

    pending = left
    for child in box.children:
        if not child.is_in_normal_flow():
            return None
        if isinstance(child, boxes.InlineBox) and not child.children and (
                child.element_tag or "").endswith("::footnote-call"):
            continue  # the call of a long note's later part: empty, no width
        if isinstance(child, boxes.InlineBox):
            style = child.style
            start = _px(style["margin_left"]) + style["border_left_width"] + _px(style["padding_left"])
            end = _px(style["margin_right"]) + style["border_right_width"] + _px(style["padding_right"])
            if start is None or end is None:
                return None
            count = len(out)
            flattened = _flatten(child, out, pending + start)
            if flattened is None or len(out) == count:
                return None
            pending = flattened
            for name in (contract.HALT, contract.HALF):
                if _has_class(child, name):
                    out[-1] = (*out[-1][:3], out[-1][3] | {name})
            leaf, before, after, sides = out[-1]
            out[-1] = (leaf, before, after + end, sides | ({"r"} if _is_autospace(child) and end else set()))
            if _is_autospace(child) and start:
                first = out[count]
                out[count] = (first[0], first[1], first[2], first[3] | {"l"})
            pending = 0.0
        elif isinstance(child, boxes.TextBox):
            out.append((child, pending, 0.0, set()))
            pending = 0.0
        else:
            return None  # an image or inline block: its width is not known before layout
    return pending


def _px(value) -> float | None:
    if value == "auto" or value is None:
        return 0.0
    if getattr(value, "unit", "px") != "px":
        return None
    return float(getattr(value, "value", value))


def _advances(context, leaf) -> list[float]:
    """Advance of each character of a text leaf (px), shaped by Pango as WeasyPrint will."""
    from weasyprint.text.ffi import FROM_UNITS, ffi
    from weasyprint.text.line_break import create_layout

    layout = create_layout(leaf.text, leaf.style, context, None, 0)
    line, _ = layout.get_first_line()
    encoded = leaf.text.encode()
    by_byte: dict[int, float] = {}
    run = line.runs
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        for i in range(glyphs.num_glyphs):
            offset = item.item.offset + glyphs.log_clusters[i]
            by_byte[offset] = by_byte.get(offset, 0.0) + glyphs.glyphs[i].geometry.width * FROM_UNITS
    advances, offset = [], 0
    for ch in leaf.text:
        advances.append(by_byte.get(offset, 0.0))
        offset += len(ch.encode())
    if len(encoded) != offset:
        return []
    return advances


def _plan(context, box, block, last_line_units: int, edges: LineEdges) -> _Paragraph | None:
    """Choose the paragraph's breaks (huozi.text.linebreak) and make WeasyPrint take exactly them."""
    from weasyprint.layout.percent import resolve_one_percentage
    from weasyprint.text.line_break import get_log_attrs

    from ..text.linebreak import Break, Glyph, break_paragraph

    style = block.style
    if (style["text_align_all"] != "justify" or style["direction"] != "ltr"
            or style["white_space"] != "normal" or getattr(block, "element_tag", None) != "p"):
        return None
    if context.excluded_shapes:
        _mark(block, "fallback: a float beside the paragraph")
        return None
    resolve_one_percentage(box, "text_indent", block.width)
    key = (round(block.width, 3), round(box.text_indent, 3))
    previous = getattr(box, "_huozi_paragraph", None)
    if previous is not None:
        if previous.key == key:
            return previous
        if previous.key == ():
            return None  # WeasyPrint did not take its planned breaks once: greedy from now on
        _restore(previous.originals)
    pieces: list = []
    if _flatten(box, pieces) is None:
        _mark(block, "fallback: the paragraph holds an image or inline block")
        return None
    if sum(len(leaf.text) for leaf, *_ in pieces) > MAX_PLANNED_CHARS:
        _mark(block, f"fallback: the paragraph is longer than {MAX_PLANNED_CHARS} characters")
        return None
    leaves = [leaf for leaf, *_ in pieces]
    if any(leaf.style["letter_spacing"] != "normal" or leaf.style["white_space"] != "normal"
           or "\n" in leaf.text for leaf in leaves):
        _mark(block, "fallback: spaced, unwrapped or hard-broken text in the paragraph")
        return None
    font_size = style["font_size"]
    # Visible glyphs with their leaf, index in the leaf and offset in the paragraph's text.
    chars, positions, offsets = [], [], []
    glyphs: list[Glyph] = []
    total = 0
    for n, (leaf, before, after, sides) in enumerate(pieces):
        advances = _advances(context, leaf)
        if not advances:
            return None
        visible = [i for i, ch in enumerate(leaf.text) if ch not in ZERO_WIDTH]
        for k, i in enumerate(visible):
            width = advances[i] + (before if k == 0 else 0.0) + (after if k == len(visible) - 1 else 0.0)
            start_trim = before if k == 0 and "l" in sides else 0.0
            end_trim = after if k == len(visible) - 1 and "r" in sides else 0.0
            end_trim += edges.end_amount(leaf.text[i], advances[i], font_size, "halt" in sides and len(visible) == 1)
            if k == 0 and not ({contract.HALT, contract.HALF} & sides):
                start_trim += edges.start_amount(leaf.text[i], advances[i], font_size)
            chars.append(leaf.text[i])
            positions.append((n, i))
            offsets.append(total + i)
            glyphs.append(Glyph(leaf.text[i], width, start_trim, end_trim))
        total += len(leaf.text)
    if len(glyphs) < 2:
        return None
    glyphs = [Glyph(g.char, g.width, g.start_trim, g.end_trim, k + 1 < len(chars) and _stretchable(a, chars[k + 1]))
              for k, (g, a) in enumerate(zip(glyphs, chars))]
    text = "".join(leaf.text for leaf in leaves)
    attrs = get_log_attrs(text, leaves[0].style["lang"])
    breaks, natural = [], set()
    for i in range(1, len(glyphs)):
        allowed = any(attrs[q].is_line_break for q in range(offsets[i - 1] + 1, offsets[i] + 1))
        if chars[i] == " ":
            continue
        if allowed:
            skip = 0
            while i - skip - 1 > 0 and chars[i - skip - 1] == " ":
                skip += 1
            breaks.append(Break(i, 0.0, skip))
            natural.add(i)
        elif is_narrow(chars[i - 1]) and is_narrow(chars[i]) and not _joined(text, offsets[i - 1], offsets[i]):
            penalty = URL_PENALTY if chars[i - 1] in URL_BREAK_AFTER else ANYWHERE_PENALTY
            breaks.append(Break(i, penalty))
    units = [1 if is_han(ch) or (ch.isalnum() and not (k and chars[k - 1].isalnum() and not is_han(chars[k - 1])))
             else 0 for k, ch in enumerate(chars)]
    measures = (block.width - box.text_indent, block.width)
    plan = break_paragraph(glyphs, breaks, measures, font_size, last_line_units, units)
    if not plan.feasible:
        _mark(block, "fallback: no feasible set of breaks")
        return None
    originals = [(leaf, leaf.text, leaf.style) for leaf in leaves]
    _enforce(pieces, positions, glyphs, breaks, natural, plan.starts, measures)
    _no_overflow_wrap(leaves)
    bounds = list(zip([0, *plan.starts], [*plan.starts, len(glyphs)]))
    lines = frozenset("".join(chars[a:b]).strip(" ") for a, b in bounds)
    paragraph = _Paragraph(key, originals, lines, plan.spacing_em)
    box._huozi_paragraph = paragraph
    _mark(block, "total-fit")
    return paragraph


def _no_overflow_wrap(leaves: list) -> None:
    # The plan already breaks long words where they must break (with zero-width spaces). Left on,
    # `overflow-wrap: anywhere` makes WeasyPrint char-wrap a planned line that it judges a hair
    # over its measure, instead of keeping it whole for the justification to shrink.
    for leaf in leaves:
        if leaf.style["overflow_wrap"] != "normal":
            leaf.style = leaf.style.copy()
            leaf.style["overflow_wrap"] = "normal"


def _restore(originals: list) -> None:
    for leaf, text, style in originals:
        leaf.text, leaf.style = text, style


def _joined(text: str, a: int, b: int) -> bool:
    return WORD_JOINER in text[a + 1:b]


def _enforce(pieces, positions, glyphs, breaks, natural: set[int], starts: tuple[int, ...], measures) -> None:
    """Edit the leaves' text so that WeasyPrint's greedy fill ends each line at the planned break.

    WeasyPrint takes the last opportunity that fits: opportunities after the planned end that would
    still fit get a word joiner; on a line set at (or over) its full measure the ones inside it too,
    since WeasyPrint may judge it one hair too wide. A planned break Pango does not allow (inside a
    long word or URL) gets a zero-width space.
    """

    chosen = set(starts)
    prefix = [0.0]
    for g in glyphs:
        prefix.append(prefix[-1] + g.width)
    by_index = {b.index: b for b in breaks if b.index in natural and b.index not in chosen}
    blocked: set[int] = set()
    bounds = list(zip([0, *starts], [*starts, len(glyphs)]))
    for number, (start, end) in enumerate(bounds):
        measure = measures[min(number, len(measures) - 1)]
        # WeasyPrint fits a line before it trims the edge margins: judge fitting on the untrimmed width.
        full = prefix[end] - prefix[start] >= measure - 1
        for index in sorted(i for i in by_index if i > start):
            b = by_index[index]
            width = prefix[index - b.skip] - prefix[start]
            if index > end and width > measure + 1:
                break
            if index > end or full:
                blocked.add(index)
    inserts: dict[tuple[int, int], str] = {positions[i]: WORD_JOINER for i in blocked}
    inserts.update({positions[i]: BREAK_HERE for i in chosen - natural})
    removals = set()
    for i in blocked:  # a zero-width space before a joiner still breaks (UAX #14 LB8): drop it
        (n0, i0), (n1, i1) = positions[i - 1], positions[i]
        for n in range(n0, n1 + 1):
            text = pieces[n][0].text
            lo = i0 + 1 if n == n0 else 0
            hi = i1 if n == n1 else len(text)
            removals |= {(n, k) for k in range(lo, hi) if text[k] == BREAK_HERE}
    for n in {n for n, _ in inserts} | {n for n, _ in removals}:
        leaf = pieces[n][0]
        leaf.text = "".join(inserts.get((n, i), "") + ("" if (n, i) in removals else ch)
                            for i, ch in enumerate(leaf.text))


@contextmanager
def press_images(profile_path) -> Iterator[None]:
    """While active, raster images are written in the CMYK of `profile_path` (see the module doc)."""
    images = importlib.import_module("weasyprint.images")
    original = images.RasterImage.get_x_object
    transforms: dict[bytes, object] = {}

    def get_x_object(self, interpolate, dpi_ratio):
        if self.mode not in ("RGB", "RGBA"):
            return original(self, interpolate, dpi_ratio)  # gray stays DeviceGray, CMYK is CMYK
        return _cmyk_x_object(self, interpolate, profile_path, transforms)

    images.RasterImage.get_x_object = get_x_object
    try:
        yield
    finally:
        images.RasterImage.get_x_object = original


def _cmyk_x_object(image, interpolate: bool, profile_path, transforms: dict):
    """The image as a DeviceCMYK XObject (JPEG stays JPEG, anything else lossless Flate)."""
    import io
    import zlib

    import pydyf
    from PIL import Image, ImageCms

    source: Any = Image.open(io.BytesIO(image.image_data.data))
    source.load()
    icc = source.info.get("icc_profile") or b""
    if source.mode in ("LA", "L") or "transparency" in source.info:
        source = source.convert("RGBA")
    alpha = source.getchannel("A") if image.mode == "RGBA" and "A" in source.getbands() else None
    rgb = source.convert("RGB")
    transform = transforms.get(icc)
    if transform is None:
        own = ImageCms.ImageCmsProfile(io.BytesIO(icc)) if icc else ImageCms.createProfile("sRGB")
        transform = ImageCms.buildTransform(own, ImageCms.getOpenProfile(str(profile_path)), "RGB", "CMYK",
                                           renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
        transforms[icc] = transform
    cmyk: Any = ImageCms.applyTransform(rgb, transform)
    extra = pydyf.Dictionary({
        "Type": "/XObject", "Subtype": "/Image", "Width": cmyk.width, "Height": cmyk.height,
        "ColorSpace": "/DeviceCMYK", "BitsPerComponent": 8,
        "Interpolate": "true" if interpolate else "false",
    })
    if image.format == "JPEG":
        buffer = io.BytesIO()
        cmyk.save(buffer, format="JPEG", quality=95, subsampling=0)
        data = buffer.getvalue()
        extra["Filter"] = "/DCTDecode"
        extra["Decode"] = pydyf.Array((1, 0) * 4)  # Pillow writes Adobe's inverted CMYK (APP14)
    else:
        data = zlib.compress(cmyk.tobytes(), 9)
        extra["Filter"] = "/FlateDecode"
    if alpha is not None:
        extra["SMask"] = pydyf.Stream([zlib.compress(alpha.tobytes(), 9)], extra={
            "Type": "/XObject", "Subtype": "/Image", "Width": alpha.width, "Height": alpha.height,
            "ColorSpace": "/DeviceGray", "BitsPerComponent": 8, "Filter": "/FlateDecode",
            "Interpolate": "true" if interpolate else "false"})
    return pydyf.Stream([data], extra)


# The MCID WeasyPrint gave each box it drew as marked content (its tags.py forgets the map).
MCIDS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def record_mcids() -> None:
    """Wrap WeasyPrint's Stream.marked so the finisher knows each box's MCID (idempotent)."""
    from weasyprint.pdf.stream import Stream

    original = Stream.marked
    if getattr(original, "huozi_records", False):
        return

    @contextlib.contextmanager
    def marked(self, box, tag):
        with original(self, box, tag):
            if self._tags is not None and box in self._tags:
                MCIDS[box] = self._tags[box]["mcid"]
            yield

    marked.huozi_records = True  # type: ignore[attr-defined]
    Stream.marked = marked


# --- SVG text: a run of letters laid out and drawn at once ----------------------------------------

@contextmanager
def svg_text_runs() -> Iterator[None]:
    """While active, an SVG ``<text>`` (or ``<tspan>``) whose letters are placed only by one x, one y
    and ``dx``/``dy`` shifts is laid out and drawn a run at a time: the letters between two shifts
    as one Pango layout. WeasyPrint 70 lays out and draws every letter alone (a layout each, made,
    then reactivated to draw); by runs, a PDF's write took 0.03-0.05 s less here. A run is also
    shaped as a whole, as any text on the page is. Any other text (absolute x or y per letter,
    rotate, letter-spacing, textLength) is drawn by WeasyPrint's own code."""
    svg: Any = importlib.import_module("weasyprint.svg")
    original = svg.text

    def text(drawing, node, font_size):
        if not _draw_text_runs(drawing, node, font_size):
            original(drawing, node, font_size)

    # svg/__init__.py compares a tag's function with its module's name `text`: both change together.
    tags = [tag for tag, function in svg.TAGS.items() if function is original]
    svg.text = text
    svg.TAGS.update(dict.fromkeys(tags, text))
    try:
        yield
    finally:
        svg.text = original
        svg.TAGS.update(dict.fromkeys(tags, original))


# --- Printer's marks: drawn once a page size --------------------------------------------------------

@contextmanager
def marks_drawn_once() -> Iterator[None]:
    """While active, the crop marks and crosses of a page the size of one drawn before are the
    same PDF operators again, not a new SVG document parsed and drawn: WeasyPrint 70 makes the
    marks of every page an SVG (draw/__init__.py, its only SVGImage) and draws it into a group of
    its own, 5 ms a page here. The operators are those the SVG drew for the first page of the size
    (`_ReplayedImage`)."""
    draw: Any = importlib.import_module("weasyprint.draw")
    original = draw.SVGImage
    drawn: dict[tuple[bytes, float, float], tuple[list[Any], dict[str, Any]]] = {}
    draw.SVGImage = lambda tree, *args: _ReplayedImage(original, tree, args, drawn)
    try:
        yield
    finally:
        draw.SVGImage = original


class _ReplayedImage:
    """An SVG image that adds, to the group it is drawn into, what an image of the same source
    and size added before: its operators and its graphics states (alpha). One that added
    anything else (patterns, images, shadings) is drawn each time."""

    def __init__(self, original: Any, tree: Any, args: tuple[Any, ...], drawn: dict) -> None:
        from xml.etree import ElementTree

        self._make = lambda: original(tree, *args)   # WeasyPrint's SVGImage, only if it must draw
        self._source = ElementTree.tostring(tree)
        self._drawn = drawn

    @functools.cached_property
    def _image(self) -> Any:
        return self._make()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._image, name)

    def draw(self, stream, concrete_width, concrete_height, style) -> None:
        import pydyf

        key = (self._source, concrete_width, concrete_height)
        if key in self._drawn:
            operators, states = self._drawn[key]
            stream.stream.extend(operators)
            for name, state in states.items():
                stream._resources["ExtGState"][name] = pydyf.Dictionary(state)  # noqa: SLF001
            return
        kinds = ("ExtGState", "XObject", "Pattern", "Shading")
        resources = stream._resources                      # noqa: SLF001
        before = {kind: set(resources[kind]) for kind in kinds}
        start = len(stream.stream)
        self._image.draw(stream, concrete_width, concrete_height, style)
        added = {kind: [n for n in resources[kind] if n not in before[kind]] for kind in kinds}
        states = {name: dict(resources["ExtGState"][name]) for name in added["ExtGState"]}
        if any(added[kind] for kind in kinds[1:]) or not all(
                all(isinstance(v, (int, float, str)) for v in state.values()) for state in states.values()):
            return
        self._drawn[key] = (stream.stream[start:], states)


def _svg_numbers(svg_utils, node, name: str, font_size: float, reference: float) -> list[float]:
    if name not in node.attrib:
        return []
    return [svg_utils.size(value, font_size, reference)
            for value in svg_utils.normalize(node.attrib[name]).strip().split(" ")]


def _draw_text_runs(drawing, node, font_size) -> bool:
    """Draw `node`'s text run by run, as WeasyPrint's svg.text.text would letter by letter; False
    (nothing done) for text this does not cover."""
    from math import inf

    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.matrix import Matrix
    from weasyprint.svg import utils as svg_utils

    # By module path: weasyprint.svg exports functions named `text` and `bounding_box`.
    svg_text = importlib.import_module("weasyprint.svg.text")
    bounding_box = importlib.import_module("weasyprint.svg.bounding_box")
    draw_text = importlib.import_module("weasyprint.draw.text")
    line_break = importlib.import_module("weasyprint.text.line_break")
    letters = node.text
    if (not letters or "rotate" in node.attrib or node.get("textLength")
            or drawing.length(node.get("letter-spacing"), font_size)):
        return False
    xs = _svg_numbers(svg_utils, node, "x", font_size, drawing.inner_width)
    ys = _svg_numbers(svg_utils, node, "y", font_size, drawing.inner_height)
    if len(xs) > 1 or len(ys) > 1:
        return False
    dxs = _svg_numbers(svg_utils, node, "dx", font_size, drawing.inner_width)
    dys = _svg_numbers(svg_utils, node, "dy", font_size, drawing.inner_height)

    # The style WeasyPrint's own text() builds (its TODO: not the computed values).
    style = svg_text.Style()
    style.update(INITIAL_VALUES)
    style.font_config = drawing.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    if weight == "normal":
        style["font_weight"] = 400
    elif weight == "bold":
        style["font_weight"] = 700
    else:
        try:
            style["font_weight"] = int(weight)
        except ValueError:
            style["font_weight"] = 400

    ascent, descent = font_size * .8, font_size * .2
    y_align = 0.0
    anchor = node.get("display-anchor")
    alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
    if anchor in ("middle", "bottom"):
        return False    # aligned by the whole text's height: WeasyPrint's own code
    if anchor != "top":
        if alignment in ("central", "middle"):
            y_align = (ascent + descent) / 2 - descent
        elif alignment in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
            y_align = ascent
        elif alignment in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
            y_align = -descent

    # Runs: a new one wherever a letter is shifted.
    starts = [0] + [i for i in range(1, len(letters))
                    if (i < len(dxs) and dxs[i]) or (i < len(dys) and dys[i])]
    layouts = []
    for start, end in zip(starts, starts[1:] + [len(letters)]):
        if start == 0:    # as WeasyPrint does: a shift is forgotten at an x or y that is not 0
            if xs and xs[0]:
                drawing.cursor_d_position[0] = 0
            if ys and ys[0]:
                drawing.cursor_d_position[1] = 0
        drawing.cursor_d_position[0] += dxs[start] if start < len(dxs) else 0
        drawing.cursor_d_position[1] += dys[start] if start < len(dys) else 0
        layout, _, _, width, height, baseline = line_break.split_first_line(
            letters[start:end], style, drawing.context, inf, 0)
        x = xs[0] if start == 0 and xs else drawing.cursor_position[0]
        y = ys[0] if start == 0 and ys else drawing.cursor_position[1]
        drawing.cursor_position = x + width, y
        x_position = x + drawing.cursor_d_position[0]
        y_position = y + drawing.cursor_d_position[1] + y_align
        points = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
        node.text_bounding_box = bounding_box.extend_bounding_box(node.text_bounding_box, points)
        layouts.append((layout, x_position, y_position, x, y, baseline))

    drawing.stream.push_state()
    fill, stroke = drawing.set_graphical_state(node, font_size)
    drawing.stream.begin_text()
    emoji_lines = []
    for layout, x_position, y_position, x, y, baseline in layouts:
        layout.reactivate(style)
        drawing.fill_stroke(fill, stroke, text=True)
        box = svg_text.TextBox(layout, style)
        box.baseline = baseline
        emojis = draw_text.draw_first_line(drawing.stream, box, "none", "none",
                                           Matrix(a=1, d=-1, e=x_position, f=y_position))
        emoji_lines.append((x, y, emojis))
    drawing.stream.end_text()
    drawing.stream.pop_state()
    for x, y, emojis in emoji_lines:
        draw_text.draw_emojis(drawing.stream, style, x, y, emojis)
    return True


# --- font subsets: the same face, glyphs and options always give the same subset ----------------

class _NewestBytes:
    """The newest entries whose values add up to at most `budget` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._entries: dict[str | bytes, bytes] = {}
        self._size = 0

    def get(self, key: str | bytes) -> bytes | None:
        value = self._entries.pop(key, None)
        if value is not None:
            self._entries[key] = value            # the newest again
        return value

    def put(self, key: str | bytes, value: bytes) -> None:
        self._size -= len(self._entries.pop(key, b""))
        self._entries[key] = value
        self._size += len(value)
        while self._size > self.budget:
            self._size -= len(self._entries.pop(next(iter(self._entries))))

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0


# By _subset_key, for the life of the process (a CJK subset is a few hundred KB).
_SUBSETS = _NewestBytes(24 << 20)
SUBSET_FILES_KEPT = 24               # in the project's cache: the keys change with the glyphs used


@contextmanager
def kept_subsets(folder: Path) -> Iterator[None]:
    """While active, a font subset HarfBuzz made before (the same face, glyphs and options,
    HarfBuzz and WeasyPrint) is taken from this process's memory or from `folder` instead of being
    made again: 0.05-0.07 s a CJK face, three faces a PDF, at every write.

    And a face's bytes are copied out of HarfBuzz only when something reads them (WeasyPrint's
    `Font` copies the whole face as it is made; HarfBuzz subsets from the face, not the copy):
    with the face known by its file (`_face_file`), a kept subset needs neither the copy nor
    checksums of it, 0.07 s of a 0.25 s write of three CJK faces of 20-26 MB."""
    from ..cache import Store, sealed, unsealed

    fonts: Any = importlib.import_module("weasyprint.pdf.fonts")
    original = fonts.Font._harfbuzz_subset
    original_init = fonts.Font.__init__
    read_whole = fonts.get_hb_object_data
    store = Store(folder, ".font", pruned=True)
    unread: weakref.WeakSet[Any] = weakref.WeakSet()
    plain_ffi = fonts.ffi

    def harfbuzz_subset(self, to_unicode, hinting):
        key = _subset_key(self, to_unicode, hinting)
        data = _SUBSETS.get(key)
        if data is None:
            data = unsealed(store.get(key))
        if data is None:
            before = self.file_content
            fonts.ffi = _OpenArrays(plain_ffi)
            try:
                original(self, to_unicode, hinting)
            finally:
                fonts.ffi = plain_ffi
            if self.file_content is before:        # HarfBuzz failed (WeasyPrint warned): nothing to keep
                return
            data = self.file_content
            store.put(key, sealed(data))
            store.prune(SUBSET_FILES_KEPT)
        _SUBSETS.put(key, data)
        self.file_content = data

    def init(self, pango_font, description, font_size):
        fonts.get_hb_object_data = lambda hb_object, *more: _UNREAD if not more else read_whole(hb_object, *more)
        try:
            original_init(self, pango_font, description, font_size)
        finally:
            fonts.get_hb_object_data = read_whole
        self.__dict__[_FACE_FILE] = _face_file(pango_font)
        unread.add(self)

    def content(self):
        data = self.__dict__["file_content"]
        if data is _UNREAD:
            data = self.__dict__["file_content"] = read_whole(self.hb_face)
        return data

    def set_content(self, data):
        self.__dict__["file_content"] = data

    fonts.Font._harfbuzz_subset = harfbuzz_subset
    fonts.Font.__init__ = init
    fonts.Font.file_content = property(content, set_content)
    try:
        yield
    finally:
        fonts.Font._harfbuzz_subset = original
        fonts.Font.__init__ = original_init
        del fonts.Font.file_content
        for font in list(unread):                  # a Font kept after the write reads as WeasyPrint's
            if font.__dict__.get("file_content") is _UNREAD:
                font.__dict__["file_content"] = read_whole(font.hb_face)


class _OpenArrays:
    """WeasyPrint's FFI, its `new("T[n]", n items)` made `new("T[]", items)`: cffi parses each type
    string it has not seen, with every typedef the FFI knows (5-8 ms each), and WeasyPrint's
    subsetting asks for arrays of new lengths for each face: 0.08 s of a PDF write that subsets
    three CJK faces."""

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: str, init: Any = None) -> Any:
        sized = _SIZED_ARRAY.fullmatch(cdecl)
        if sized is not None and init is not None and not isinstance(init, int):
            items = list(init)
            if len(items) == int(sized[2]):
                return self._ffi.new(f"{sized[1]}[]", items)
            init = items
        return self._ffi.new(cdecl, init)


def parse_write_types() -> None:
    """Have cffi parse the type strings a PDF write asks for (WeasyPrint's fonts and streams,
    `_OpenArrays`, `_face_file`): 0.05 s of the first write in a process. A worker does it in
    its warm-up, before the other lanes are forked from it, while the figures are drawn."""
    from weasyprint.text.ffi import ffi

    for cdecl in ("unsigned int *", "hb_tag_t[100]", "char[4]", "hb_codepoint_t[]", "PangoRectangle *", "uintptr_t"):
        ffi.typeof(cdecl)
    own = _fc_ffi()[0]
    for cdecl in ("void *", "unsigned char **", "int *"):
        own.typeof(cdecl)


_SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")
_UNREAD = object()                   # a face's bytes, not yet copied out of HarfBuzz
_FACE_FILE = "_huozi_face_file"      # the Font attribute naming its face's file (_face_file)


def _face_file(pango_font) -> tuple[str, int] | None:
    """The font file and face index fontconfig gave Pango for `pango_font` (a PangoFcFont: WeasyPrint
    uses Pango's FT2 font map), or None when they cannot be read."""
    try:
        ffi, pangoft2, fontconfig, gobject = _fc_ffi()
        from weasyprint.text.ffi import ffi as weasy_ffi

        font = ffi.cast("void *", int(weasy_ffi.cast("uintptr_t", pango_font)))
        if not gobject.g_type_check_instance_is_a(font, pangoft2.pango_fc_font_get_type()):
            return None
        pattern = pangoft2.pango_fc_font_get_pattern(font)
        file, index = ffi.new("unsigned char **"), ffi.new("int *")
        if fontconfig.FcPatternGetString(pattern, b"file", 0, file) != 0:
            return None
        if fontconfig.FcPatternGetInteger(pattern, b"index", 0, index) != 0:
            index[0] = 0
        return os.fsdecode(ffi.string(file[0])), index[0]
    except (OSError, AttributeError, ImportError, TypeError):
        return None


@functools.lru_cache(maxsize=1)
def _fc_ffi() -> tuple[Any, Any, Any, Any]:
    """Pango's and fontconfig's calls that name a font's file (WeasyPrint's declarations lack them);
    the libraries WeasyPrint loaded, by their sonames."""
    from cffi import FFI  # type: ignore[import-untyped]

    ffi = FFI()
    ffi.cdef("""
        void *pango_fc_font_get_pattern (void *font);
        unsigned long pango_fc_font_get_type (void);
        int g_type_check_instance_is_a (void *instance, unsigned long type);
        int FcPatternGetString (void *pattern, const char *object, int n, unsigned char **s);
        int FcPatternGetInteger (void *pattern, const char *object, int n, int *i);
    """)
    return (ffi, ffi.dlopen("libpangoft2-1.0.so.0"), ffi.dlopen("libfontconfig.so.1"),
            ffi.dlopen("libgobject-2.0.so.0"))


# By _deflate_key, for the life of the process: 48 MB of deflated bytes (a CJK subset is ~0.3 MB).
_DEFLATED = _NewestBytes(48 << 20)
DEFLATE_FILE_MIN = 64 << 10           # a stream this long or longer is also kept in the project's cache
DEFLATE_FILES_KEPT = 24


@contextmanager
def kept_deflate(folder: Path) -> Iterator[None]:
    """While active, pydyf deflates a stream's bytes only once: the same bytes deflated before are
    taken from this process's memory, or for a long stream (a font subset, an ICC profile) from
    `folder`. pydyf deflates at level 9, and every stream twice: again when it hashes the whole
    file for the PDF's /ID. Its fonts alone took 0.2 s of each PDF's write."""
    import pydyf

    from ..cache import Store, sealed, unsealed

    store = Store(folder, ".z", pruned=True)

    def deflate(data: bytes, level: int) -> bytes:
        key = _deflate_key(data, level)
        packed = _DEFLATED.get(key)
        long = len(data) >= DEFLATE_FILE_MIN
        if packed is None and long:
            packed = unsealed(store.get(key.hex()))
        if packed is None:
            compressor = zlib.compressobj(level)
            packed = compressor.compress(data) + compressor.flush()
            if long:
                store.put(key.hex(), sealed(packed))
                store.prune(DEFLATE_FILES_KEPT)
        _DEFLATED.put(key, packed)
        return packed

    original = pydyf.zlib
    pydyf.zlib = _KeptZlib(deflate)
    try:
        yield
    finally:
        pydyf.zlib = original


class _KeptZlib:
    """zlib as pydyf uses it (`compressobj(level=...)`, whole streams) with the deflating done by
    `deflate`; everything else is zlib's own."""

    def __init__(self, deflate: Callable[[bytes, int], bytes]) -> None:
        self._deflate = deflate

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return zlib.compressobj(level, *args, **kwargs)
        return _WholeStream(lambda data: self._deflate(data, level))

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


class _WholeStream:
    """A compressor that deflates everything it was given at `flush()`, in one piece."""

    def __init__(self, deflate: Callable[[bytes], bytes]) -> None:
        self._deflate = deflate
        self._parts: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        self._parts.append(bytes(data))
        return b""

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        if mode != zlib.Z_FINISH:
            raise ValueError("only a whole stream is deflated here")
        return self._deflate(b"".join(self._parts))


def _deflate_key(data: bytes, level: int) -> bytes:
    """The stream's bytes by a 20-byte BLAKE2 digest (1 ms a megabyte), the level and the zlib
    that deflates them: the same three give the same deflated bytes."""
    digest = hashlib.blake2b(f"{level}:{zlib.ZLIB_RUNTIME_VERSION}:".encode(), digest_size=20)
    digest.update(data)
    return digest.digest()


def _subset_key(font, to_unicode, hinting) -> str:
    """What a subset is made from. The face: while its bytes are not read (kept_subsets), by its
    file, as the build's inputs key knows the book's fonts (path, size and mtime: state.py), when
    the file is the whole of HarfBuzz's blob; else by the bytes' length and two checksums (a CJK
    face is 20 MB: a cryptographic hash of it would cost a sixth of the subsetting it saves)."""
    from ..cache import content_key, tool_versions

    face = _face_by_file(font) if font.__dict__.get("file_content") is _UNREAD else None
    if face is None:
        content = font.file_content
        face = f"{len(content)}:{zlib.crc32(content)}:{zlib.adler32(content)}:{font.index}"
    options = f"{bool(hinting)}:{bool(font.missing)}:{_harfbuzz_version()}"
    return content_key(face, options, tool_versions()["weasyprint"], array("I", sorted(to_unicode)).tobytes())


def _face_by_file(font) -> str | None:
    named = font.__dict__.get(_FACE_FILE)
    if named is None:
        return None
    path, index = named
    try:
        stat = os.stat(path)
    except OSError:
        return None
    from weasyprint.text.ffi import harfbuzz

    blob = harfbuzz.hb_face_reference_blob(font.hb_face)
    try:
        if harfbuzz.hb_blob_get_length(blob) != stat.st_size or index != font.index:
            return None
    finally:
        harfbuzz.hb_blob_destroy(blob)
    return f"file:{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}"


@functools.lru_cache(maxsize=1)
def _harfbuzz_version() -> str:
    """The version of the HarfBuzz WeasyPrint loaded (its cffi declarations lack hb_version_string;
    the dynamic loader gives ctypes the same library)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0"
    try:
        function = ctypes.CDLL(name).hb_version_string
    except (OSError, AttributeError):
        return "unknown"
    function.restype = ctypes.c_char_p
    return function().decode()


# ------------------------------------------------------------------------------ page floats
@contextmanager
def page_floats(floats_for: Callable[[Any], Any], tries: int) -> Iterator[None]:
    """Figures moved to a page's top or bottom as the pages are made (figures/placement.py).

    While active, ``layout.page.remake_page`` (which `make_all_pages` calls for each page) is
    wrapped: `floats_for(root element)` gives a document's `PageFloats` (None: nothing floats);
    after each page its `moves` are read from the page's blocks, and when there are some, the
    figures' boxes move among their section box's children (the box tree the pages are cut
    from), what the page took from the layout context is put back and the page is laid out
    again from its own start, `tries` layouts of a page at most. The pages before it were laid
    out from copies of the boxes: they keep their order. A figure `top_float` names is taken out
    of the box tree instead; its box as the page's first layout placed it is kept for that page
    (by index, for the document's life: a later pass of the pagination remakes the page with it),
    whose computed style gets that much more top padding, and is moved into the room left. When
    the next page would start with a figure and this one has a hole at its foot (`DEFER_HOLE`),
    the figure is set after the block that follows it (`PageFloats.deferred`) and the page made
    again.
    """
    page_module: Any = importlib.import_module("weasyprint.layout.page")
    real = page_module.remake_page
    real_styles = page_module.set_page_type_computed_styles
    from weasyprint.css.properties import Dimension

    last = _Looked()                                  # the document laid out now

    def page_styles(page_type, html, style_for):
        real_styles(page_type, html, style_for)
        above = last.tops.get(page_type.index) if last.html is html else None
        if above:
            style = style_for(page_type)
            if style["padding_top"].unit == "px":     # room for them at the page's top
                style["padding_top"] = Dimension(style["padding_top"].value + _room(above), "px")

    def remake_page(index, context, root_box, html):
        nonlocal last
        if last.html is not html:
            last = _Looked(html, floats_for(html.etree_element))
        floats = last.floats
        if floats is None:
            return real(index, context, root_box, html)
        if last.root is not root_box:
            last.root, last.paths = root_box, _block_paths(root_box, floats)
        paths, tops = last.paths, last.tops
        saved = _PageStart(context)
        page, resume_at = _with_tops(real(index, context, root_box, html), tops.get(index))
        for _ in range(tries - 1):
            blocks = list(dict.fromkeys(box.element for box in page.descendants() if box.element in paths))
            if not blocks:
                break
            first_continued = _resumes_inside(context.page_maker[index][0], paths[blocks[0]])
            moves = floats.moves(blocks, first_continued, _resumes_inside(resume_at, paths[blocks[-1]]))
            moves = [m for m in moves if paths[m.figure][:-1] == paths[m.target][:-1]]
            if moves:
                for parent_path in dict.fromkeys(paths[m.figure][:-1] for m in moves):
                    parent = _box_at(root_box, parent_path)
                    own = [m for m in moves if paths[m.figure][:-1] == parent_path]
                    parent.children = floats.reordered(parent.children, lambda box: box.element, own)
                    _repath(paths, parent, parent_path)
            else:
                figure = floats.top_float(blocks, first_continued)
                laid = next((box for box in page.descendants() if box.element is figure), None)
                if laid is not None and _room([laid]) <= TOP_FRACTION * page.height:
                    # Out of the flow, its laid-out box set above the page's text (_with_tops).
                    parent_path = paths.pop(figure)[:-1]
                    parent = _box_at(root_box, parent_path)
                    parent.children = [child for child in parent.children if child.element is not figure]
                    _repath(paths, parent, parent_path)
                    tops.setdefault(index, []).append(laid)
                elif not _defer(page, resume_at, root_box, paths, floats):
                    break
            saved.restore(context, index)
            page, resume_at = _with_tops(real(index, context, root_box, html), tops.get(index))
        return page, resume_at

    page_module.remake_page = remake_page
    page_module.set_page_type_computed_styles = page_styles
    try:
        yield
    finally:
        page_module.remake_page = real
        page_module.set_page_type_computed_styles = real_styles


@dataclass
class _Looked:
    """The document page_floats looks at: its HTML, its PageFloats, its root box and the blocks'
    paths in it (walked once a document: once a page, a long book's walks grew with its square),
    and the figures set above a page's text, by page index (their laid-out boxes)."""

    html: Any = None
    floats: Any = None
    root: Any = None
    paths: dict[Any, tuple[int, ...]] = field(default_factory=dict)
    tops: dict[int, list[Any]] = field(default_factory=dict)


# The most of a page a figure set above its text may take (LaTeX's \topfraction): a taller one
# stays where it fell, and the page keeps room for text.
TOP_FRACTION = 0.7


# A figure that did not fit in the rest of its page lets the text after it fill the page when
# this much of the page would be left empty (about four lines of print's text).
DEFER_HOLE = 0.1


def _defer(page: Any, resume_at: Any, root_box: Any, paths: dict[Any, tuple[int, ...]], floats: Any) -> bool:
    """When the next page starts with a figure and this page has a hole at its foot, set the
    figure after the block that follows it (PageFloats.deferred); whether it was moved."""
    target: list[int] = []
    node = resume_at
    while isinstance(node, dict) and len(node) == 1:
        (step, node), = node.items()
        target.append(step)
    if node is not None or not target:
        return False
    box = root_box
    for step in target:                  # the box the next page starts at: the deepest steps of a
        children = getattr(box, "children", ())     # resume_at inside a line are text offsets
        if not isinstance(step, int) or not 0 <= step < len(children):
            return False
        box = children[step]
    figure = box.element
    if figure not in floats.figures or paths.get(figure) != tuple(target):
        return False
    footnotes = page.children[1]
    bottom = page.content_box_y() + page.height
    if footnotes.children:
        bottom = min(bottom, footnotes.position_y)
    laid = [box for box in page.children[0].descendants() if box.element in paths]
    last = max((box.position_y + box.margin_height() for box in laid), default=bottom)
    if bottom - last < DEFER_HOLE * page.height:
        return False
    parent_path = paths[figure][:-1]
    parent = _box_at(root_box, parent_path)
    following = [child.element for child in parent.children[paths[figure][-1] + 1:] if child.element in floats.slots]
    moves = floats.deferred(figure, following)
    if not moves:
        return False
    parent.children = floats.reordered(parent.children, lambda box: box.element, moves)
    _repath(paths, parent, parent_path)
    return True


def _room(above: list[Any]) -> float:
    """The height figures set above a page's text take: each its border box and bottom margin."""
    return sum(box.border_height() + box.margin_bottom for box in above)


def _with_tops(made: tuple[Any, Any], above: list[Any] | None) -> tuple[Any, Any]:
    """A page made by remake_page with the figures set above its text put in the room its
    padding left them (page_styles), first among its root box's children."""
    page, resume_at = made
    if above:
        y = page.content_box_y() - _room(above)
        for box in above:
            box.translate(0, y - (box.position_y + box.margin_top))
            y += box.border_height() + box.margin_bottom
        root = page.children[0]
        root.children = [*above, *(child for child in root.children if not any(child is box for box in above))]
    return page, resume_at


def _box_at(root_box: Any, path: tuple[int, ...]) -> Any:
    box = root_box
    for step in path:
        box = box.children[step]
    return box


def _repath(paths: dict[Any, tuple[int, ...]], parent: Any, parent_path: tuple[int, ...]) -> None:
    """The paths of `parent`'s block children, after they were moved or one was taken out."""
    for position, child in enumerate(parent.children):
        if child.element in paths:
            paths[child.element] = (*parent_path, position)


class _PageStart:
    """What laying out a page takes from and leaves in WeasyPrint's layout context, as it was
    before the page (layout.page.make_page, make_all_pages), to lay the page out again."""

    def __init__(self, context: Any) -> None:
        self.footnotes = list(context.footnotes)
        self.reported = context.reported_footnotes
        self.reported_items = list(context.reported_footnotes)
        self.broken = context.broken_out_of_flow
        self.broken_items = dict(context.broken_out_of_flow)
        self.running = {name: {page: list(found) for page, found in pages.items()}
                        for name, pages in context.running_elements.items()}
        self.rendered = list(context.rendered_notes or [])
        self.pages = len(context.page_maker)

    def restore(self, context: Any, index: int) -> None:
        context.footnotes[:] = self.footnotes
        self.reported[:] = self.reported_items
        context.reported_footnotes = self.reported
        self.broken.clear()
        self.broken.update(self.broken_items)
        context.broken_out_of_flow = self.broken
        context.running_elements.clear()
        for name, pages in self.running.items():
            for page, found in pages.items():
                context.running_elements[name][page] = list(found)
        if context.rendered_notes is not None:
            context.rendered_notes[:] = self.rendered
        del context.page_maker[max(self.pages, index + 1):]
        remake_state = context.page_maker[index][-1]
        remake_state.update(content_changed=False, pages_wanted=False, anchors=[], content_lookups=[])


def _block_paths(root_box: Any, floats: Any) -> dict[Any, tuple[int, ...]]:
    """The path (child indexes from `root_box`, as WeasyPrint's resume_at counts them) of each
    block's box in the box tree; only boxes of the elements that hold blocks are walked."""
    found: dict[Any, tuple[int, ...]] = {}
    stack: list[tuple[Any, tuple[int, ...]]] = [(root_box, ())]
    while stack:
        box, path = stack.pop()
        for index, child in enumerate(getattr(box, "children", ())):
            element = child.element
            if element in floats.slots:
                found.setdefault(element, (*path, index))
            elif element in floats.containers:
                stack.append((child, (*path, index)))
    return found


def _resumes_inside(resume_at: Any, path: tuple[int, ...]) -> bool:
    """Whether a page that starts at `resume_at` starts inside the box at `path` (the box went
    on from the page before), not at its start or elsewhere."""
    for step in path:
        if not resume_at or step not in resume_at:
            return False
        resume_at = resume_at[step]
    return resume_at is not None
