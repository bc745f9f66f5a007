"""Tables too wide for the measure: measured on a trial layout, set smaller, then turned, else refused.

A table's columns need room for their longest number (never broken) and, for text, about four
characters a line (a longer word may break inside its cell). Measured on a trial layout of the
edition (the column widths WeasyPrint computed, kept by huozi.pdf.weasy_patch), a table that
does not fit the measure at the body size is set smaller, down to FLOOR of it (8 pt under the
print edition's 10.5 pt); failing that it is turned: on a page of its own, its width the text
block's height (the handout's landscape page `wide`; in print the page keeps its size and the
table is drawn a quarter turn, in parts of one page each, `chunks`); failing that the build stops
at the table's line.

Reads WeasyPrint's laid-out boxes, as the lint does (checks/lint.py).
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ManuscriptError, SourceLocation
from ..manuscript.model import Manuscript, Table
from . import boxes
from .weasy_patch import TABLE_WIDTHS

FLOOR = 0.76           # the smallest size a table is set in, as a share of the body's (8 pt under 10.5 pt)
STEP = 0.02            # sizes are chosen in steps of this share of the body size
TEXT_COLUMN_EM = 5.0   # a text column's fair share: about four characters a line, and its padding
LONG_WORD_EM = 8.0     # a word longer than this breaks inside its cell rather than widen the table
SLACK_PX = 2.0         # rounding and rules: a part of a turned table stays this far inside the page
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class TableFit:
    """How one table is set in one edition: `scale` of the body size, each column's share of the
    width (`widths`, percent), `turned` onto a page of its own `measure` px wide (the text block's
    height); in print, the body rows of each turned page (`chunks`)."""

    scale: float = 1.0
    widths: tuple[float, ...] = ()
    turned: bool = False
    measure: float = 0.0
    chunks: tuple[tuple[int, int], ...] = ()
    tall: tuple[int, ...] = ()   # body rows taller than a page under the header: they may split


@dataclass(frozen=True)
class TableSpace:
    """What the trial layout says about one table, in px at the body size: each column's min- and
    max-content width and the width it needs (see `_needs`), and the room the page gives."""

    anchor: str
    low: tuple[float, ...]
    high: tuple[float, ...]
    needs: tuple[float, ...]
    available: float
    page_height: float   # the text block's height on the table's page: the measure of a turned table
    page_width: float    # the text block's width: the height of a turned page
    tall: tuple[int, ...] = ()

    @property
    def needed(self) -> float:
        return sum(self.needs)

    def widths(self, room: float) -> tuple[float, ...]:
        """Each column's share (percent) of `room` px: its need first, then what is left to the
        columns that want more (by how much more), as a typesetter gives a short column its words
        whole before widening a long one; WeasyPrint's auto layout shares by max-content alone."""
        extra = max(0.0, room - self.needed)
        wants = [max(0.0, h - n) for h, n in zip(self.high, self.needs)]
        if sum(wants) >= extra and sum(wants) > 0:
            widths = [n + extra * w / sum(wants) for n, w in zip(self.needs, wants)]
        else:
            spare = extra - sum(wants)
            widths = [max(h, n) + spare * max(h, n) / max(sum(self.high), 1e-9) for h, n in zip(self.high, self.needs)]
        total = sum(widths) or 1.0
        return tuple(100.0 * w / total for w in widths)


def _classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def _boxes(document: Any) -> Iterator[tuple[Any, Any]]:
    """(page box, box) for every box of the laid-out document."""
    for page in document.pages:
        page_box = boxes.page_box(page)
        for box in page_box.descendants():
            yield page_box, box


def _needs(low: tuple[float, ...], high: tuple[float, ...], numeric: tuple[bool, ...], em: float) -> tuple[float, ...]:
    """The width (px) each column needs: see the module docstring."""
    needs = []
    for index, (least, most) in enumerate(zip(low, high)):
        number = index < len(numeric) and numeric[index]
        unbreakable = least if number else min(least, LONG_WORD_EM * em)
        needs.append(max(unbreakable, min(most, TEXT_COLUMN_EM * em)))
    return tuple(needs)


def measure_tables(document: Any, manuscript: Manuscript) -> dict[str, TableSpace]:
    """The space each table of the book needs and has, from a layout with every table at body size."""
    tables = {table.anchor: table for _, table in manuscript.tables}
    found: dict[str, TableSpace] = {}
    for page_box, box in _boxes(document):
        element = getattr(box, "element", None)
        anchor = element.get("data-tbl") if element is not None and "tbl" in _classes(box) else None
        if anchor is None or anchor in found or anchor not in tables:
            continue
        grids = [b for b in box.descendants() if hasattr(b, TABLE_WIDTHS)]
        if not grids:
            continue
        # A px to spare per column: a cell given exactly its max-content width may still wrap by rounding.
        low, high = (tuple(w + 1.0 for w in widths) for widths in getattr(grids[0], TABLE_WIDTHS))
        needs = _needs(low, high, tables[anchor].numeric, grids[0].style["font_size"])
        found[anchor] = TableSpace(anchor, low, high, needs, box.width, page_box.height, page_box.width)
    heights = _heights(document)
    for anchor, space in found.items():
        parts = heights.get(anchor, _Heights())
        room = space.page_height - parts.caption - parts.header
        found[anchor] = replace(space, tall=tuple(i for i, h in enumerate(parts.rows.values()) if h > room))
    return found


def _step_down(scale: float) -> float:
    return math.floor(scale / STEP + 1e-9) * STEP


def decide(space: TableSpace, table: Table, path: Path, label: str) -> TableFit:
    """The fit of one table, or a ManuscriptError naming it."""
    if space.needed <= space.available:
        return TableFit(widths=space.widths(space.available), tall=space.tall)
    if space.available / space.needed >= FLOOR:
        scale = _step_down(space.available / space.needed)
        return TableFit(scale=scale, widths=space.widths(space.available / scale), tall=space.tall)
    turned = space.page_height / space.needed
    if turned >= FLOOR:
        scale = min(1.0, _step_down(turned))
        return TableFit(scale=scale, widths=space.widths(space.page_height / scale), turned=True,
                        measure=space.page_height, tall=space.tall)
    name = f"{label} " if label else ""
    raise ManuscriptError(
        f"table {name}is too wide for the page: its {table.columns} columns need "
        f"{space.needed * FLOOR / PX_PER_MM:.0f} mm at the smallest size huozi sets a table in, and the "
        f"page turned sideways is {space.page_height / PX_PER_MM:.0f} mm wide",
        SourceLocation(path, table.line),
        "split it into two tables, move some columns into rows, or shorten the longest numbers and words")


def fit_tables(spaces: Mapping[str, TableSpace], manuscript: Manuscript, labels: Mapping[str, str]) -> dict[str, TableFit]:
    """How each table is set, by anchor."""
    fits: dict[str, TableFit] = {}
    for article, table in manuscript.tables:
        space = spaces.get(table.anchor)
        if space is None:
            continue
        fits[table.anchor] = decide(space, table, article.path, labels.get(table.anchor, ""))
    return fits


def one_part(fits: Mapping[str, TableFit], manuscript: Manuscript) -> dict[str, TableFit]:
    """Print: each turned table as one part, to measure its rows at its size and measure."""
    rows = {table.anchor: len(table.rows) for _, table in manuscript.tables}
    return {anchor: replace(fit, chunks=((0, rows[anchor]),)) if fit.turned else fit for anchor, fit in fits.items()}


@dataclass
class _Heights:
    """Heights (px) of the parts of a table as laid out, a row split across pages summed."""

    caption: float = 0.0
    header: float = 0.0
    rows: dict[Any, float] = field(default_factory=dict)   # by the row's element, in reading order
    notes: float = 0.0
    room: float = 0.0   # the text block's width on the table's page: how high a turned part may be


def _heights(document: Any) -> dict[str, _Heights]:
    found: dict[str, _Heights] = {}
    for page_box, box in _boxes(document):
        element = getattr(box, "element", None)
        if element is None or "tbl" not in _classes(box) or not element.get("data-tbl"):
            continue
        heights = found.setdefault(element.get("data-tbl"), _Heights(room=page_box.width))
        for inner in box.descendants():
            tag = getattr(inner, "element_tag", None)
            if tag == "caption" and not heights.caption:
                heights.caption = inner.margin_height()
            elif tag in ("thead", "tbody") and inner.is_header:
                heights.header = heights.header or inner.margin_height()
            elif tag == "tbody":
                for row in inner.children:
                    heights.rows[row.element] = heights.rows.get(row.element, 0.0) + row.margin_height()
            elif tag == "p" and "tbl-note" in _classes(inner):
                heights.notes += inner.margin_height()
    return found


def cut_turned(document: Any, fits: Mapping[str, TableFit], manuscript: Manuscript) -> dict[str, TableFit]:
    """Print: the body rows of each turned page, so that every part fits across the page."""
    tables = {table.anchor: (article, table) for article, table in manuscript.tables}
    measured = _heights(document)
    cut = dict(fits)
    for anchor, fit in fits.items():
        if not fit.turned:
            continue
        heights = measured.get(anchor)
        if heights is None or not heights.rows:
            continue
        article, table = tables[anchor]
        room = heights.room - heights.caption - heights.header - SLACK_PX
        rows = list(heights.rows.values())
        chunks: list[tuple[int, int]] = []
        start, used = 0, 0.0
        for index, height in enumerate(rows):
            if height > room:
                raise ManuscriptError(
                    "a row of a turned table is taller than the page is wide", SourceLocation(article.path,
                                                                                             table.rows[index].line),
                    "shorten the row's cells, or split the table into two")
            if used + height > room:
                chunks.append((start, index))
                start, used = index, 0.0
            used += height
        if used + heights.notes > room and start < len(rows) - 1:
            chunks.append((start, len(rows) - 1))  # the notes go with the last row alone
            start = len(rows) - 1
        chunks.append((start, len(rows)))
        cut[anchor] = replace(fit, chunks=tuple(chunks))
    return cut
