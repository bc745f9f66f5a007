"""Draw a figure spec with matplotlib into SVG text: numbers come only from the spec's facts.

Everything is laid out in millimetres on one full-figure axes, so positions and type sizes are
the printed ones. No file I/O here; matplotlib is imported only when a figure must be drawn.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ..errors import FigureError, SourceLocation
from ..text.chars import NO_START
from . import style
from .facts import Fact, FactBook
from .spec import FigureSpec
from .svg import AUTOSPACE_EM, autospace_gaps

# Money units scale to one base so bars in 万元 and 亿元 compare (1亿 = 10000万).
UNIT_SCALE = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


def _canvas(height_mm: float) -> tuple[Any, Any]:
    """A figure `WIDTH_MM` × `height_mm` with an axes in millimetres, y growing downwards."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.WIDTH_MM * style.MM, height_mm * style.MM))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, style.WIDTH_MM)
    ax.set_ylim(height_mm, 0)
    ax.set_axis_off()
    return fig, ax


def _text(ax: Any, x: float, y: float, text: str, size: float = style.SIZE_LABEL, **kw: Any) -> None:
    kw.setdefault("va", "baseline")
    kw.setdefault("color", style.INK)
    # Labels are the author's text, never mathtext: "US$5与US$6" is two prices, not a formula.
    ax.text(x, y, text, fontsize=size, parse_math=False, usetex=False, **kw)


def text_width_mm(text: str, size: float) -> float:
    """Width of `text` set at `size` pt: Han characters are one em, digits and Latin about half,
    and the ¼ em `svg.autospace` adds between them."""
    ems = sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in text) + AUTOSPACE_EM * autospace_gaps(text)
    return ems * size * style.PT_MM


def _scaled(fact: Fact) -> float:
    assert fact.value is not None, f"fact '{fact.id}' has no value to draw"
    return float(fact.value) * UNIT_SCALE.get(fact.unit, 1)


def draw_bars(spec: FigureSpec, book: FactBook) -> Any:
    """Horizontal bars on one scale: the label above each bar, the number as printed at its end."""
    facts = spec.facts
    if not facts or any(f.value is None for f in facts):
        raise FigureError(f"figure '{spec.id}': a bar chart needs facts with a value", SourceLocation(spec.path),
                          "name facts that have `value = …` in figures/facts.toml")
    if len({f.unit for f in facts}) > 1 and not all(f.unit in UNIT_SCALE for f in facts):
        raise FigureError(f"figure '{spec.id}' compares {', '.join(f.text for f in facts)}: the units differ",
                          SourceLocation(spec.path), "a bar chart needs one unit, or money units (元, 万元, 亿元)")
    row, bar = 12.0, 4.2
    fig, ax = _canvas(row * len(facts))
    longest = max(_scaled(f) for f in facts)
    value_room = max(text_width_mm(f.text, style.SIZE_VALUE) for f in facts) + 3
    scale = (style.WIDTH_MM - value_room) / longest
    shades = [style.DARK, style.MID, style.LIGHT]
    for index, fact in enumerate(facts):
        top = index * row
        _text(ax, 0, top + 4.2, fact.name, style.SIZE_LABEL)
        length = _scaled(fact) * scale
        ax.add_patch(_rect(0, top + 6, length, bar, shades[index % len(shades)]))
        _text(ax, length + 1.5, top + 6 + bar - 0.6, fact.text, style.SIZE_VALUE, fontweight="bold")
    return fig


def _rect(x: float, y: float, w: float, h: float, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="none")


def _box(ax: Any, x: float, y: float, text: str, filled: bool, width: float) -> None:
    """A region's name in a box: east filled light grey, west outlined; black type on both."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y - 3.2), width, 6.4, boxstyle="round,pad=0,rounding_size=1.2",
                                facecolor=style.LIGHT if filled else style.PAPER,
                                edgecolor=style.DARK, linewidth=0.6))
    _text(ax, x + width / 2, y + 1.3, text, style.SIZE_LABEL, ha="center")


def _wrap(text: str, width_mm: float, size: float, keep: tuple[str, ...] = ()) -> list[str]:
    """Break Chinese text into lines that fit `width_mm` (and at each newline the editor typed):
    never before a mark that may not start a line, never inside one of the `keep` strings (the
    facts' numbers: "10个省（区、市）" stays whole)."""
    if "\n" in text:
        return [line for part in text.split("\n") for line in _wrap(part, width_mm, size, keep)]
    inside = {i for word in keep if word for at in _occurrences(text, word) for i in range(at + 1, at + len(word))}

    def can_break(k: int) -> bool:  # before text[k]
        return k not in inside and text[k] not in NO_START

    lines, start = [], 0
    while start < len(text):
        fits = start + 1
        while fits < len(text) and text_width_mm(text[start:fits + 1], size) <= width_mm:
            fits += 1
        if fits >= len(text):
            lines.append(text[start:])
            break
        cut = next((k for k in range(fits, start, -1) if can_break(k)), None)
        if cut is None:  # nothing may break in the width: run on to the first place that may
            cut = next((k for k in range(fits + 1, len(text)) if can_break(k)), len(text))
        lines.append(text[start:cut])
        start = cut
    return lines


def _occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at != -1:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def draw_pairings(spec: FigureSpec, book: FactBook) -> Any:
    """East on the left, west on the right, one arrow per pair; a shared east box for fan-outs."""
    pairs = sorted(book.pairings, key=lambda p: (p.since is None, p.since or 0))
    numbers = tuple(f.text for f in spec.all_facts)
    note = _wrap(spec.note, style.WIDTH_MM, style.SIZE_LABEL, numbers) if spec.note else []
    head = 4 + 4.6 * len(note)
    row = 8.0
    fig, ax = _canvas(head + 7 + row * len(pairs))
    for index, line in enumerate(note):
        _text(ax, 0, 4 + index * 4.6, line, style.SIZE_LABEL)
    # Boxes stay half a millimetre inside the canvas: their outline would be clipped at its edge.
    box_w, inset = 30.0, 0.5
    east_x, west_x = inset, style.WIDTH_MM - box_w - inset
    _text(ax, east_x + box_w / 2, head + 3, "东部（帮扶方）", style.SIZE_SMALL, ha="center", color=style.DARK)
    _text(ax, west_x + box_w / 2, head + 3, "西部（受援方）", style.SIZE_SMALL, ha="center", color=style.DARK)
    top = head + 7 + row / 2
    starts: dict[str, float] = {}
    for index, pair in enumerate(pairs):
        y = top + index * row
        if pair.east not in starts:
            starts[pair.east] = y
            _box(ax, east_x, y, pair.east, True, box_w)
        _box(ax, west_x, y, pair.west, False, box_w)
        ax.annotate("", xy=(west_x - 0.8, y), xytext=(east_x + box_w + 0.8, starts[pair.east]),
                    arrowprops={"arrowstyle": "-|>,head_length=0.5,head_width=0.22", "color": style.INK,
                                "linewidth": 0.7, "shrinkA": 0, "shrinkB": 0})
        if pair.since:
            _text(ax, (east_x + box_w + west_x) / 2, y - 1.2, f"{pair.since}年起", style.SIZE_SMALL, ha="center",
                  color=style.DARK)
    return fig


def draw_panel(spec: FigureSpec, book: FactBook) -> Any:
    """Key figures: one row per place, its title, then each number large with what it counts below."""
    row = 17.0
    fig, ax = _canvas(row * len(spec.groups) + 1)
    columns = max(len(g.facts) for g in spec.groups)
    cell = style.WIDTH_MM / columns
    for index, group in enumerate(spec.groups):
        top = index * row
        if index:
            ax.plot([0, style.WIDTH_MM], [top, top], color=style.LIGHT, linewidth=0.5)
        _text(ax, 0, top + 4.5, group.title, style.SIZE_LABEL, fontweight="bold")
        for column, fact in enumerate(group.facts):
            x = column * cell
            _text(ax, x, top + 11.2, fact.text, style.SIZE_BIG, fontweight="bold")
            _text(ax, x, top + 15.0, fact.name, style.SIZE_SMALL, color=style.DARK)
    return fig


def _event(fact: Fact, width_mm: float) -> str:
    """A timeline entry: the full label when it fits, else the short one; with the number unless it is the year."""
    number = "" if fact.value is None or (fact.unit == "年" and fact.value == fact.year) else fact.text
    full = fact.label + number
    return full if text_width_mm(full, style.SIZE_LABEL) <= width_mm else fact.name + number


def draw_timeline(spec: FigureSpec, book: FactBook) -> Any:
    """Years down the left, a rule with a dot per year, events to the right; dashes mark skipped years."""
    rule_x, text_x = 13.0, 17.0
    years: dict[int, list[str]] = {}
    for fact in sorted(spec.facts, key=lambda f: f.year):
        years.setdefault(fact.year, []).append(_event(fact, style.WIDTH_MM - text_x))
    line_h, gap = 4.4, 3.0
    heights = [len(events) * line_h + gap for events in years.values()]
    fig, ax = _canvas(sum(heights) + 2)
    y, centres = 1.0, []
    for (year, events), height in zip(years.items(), heights):
        base = y + 3.2
        centres.append((year, base - 1.2))
        _text(ax, rule_x - 3, base, str(year), style.SIZE_LABEL, ha="right", fontweight="bold")
        for index, event in enumerate(events):
            _text(ax, text_x, base + index * line_h, event, style.SIZE_LABEL)
        y += height
    for (year_a, y_a), (year_b, y_b) in zip(centres, centres[1:]):
        dashed = year_b - year_a > 1  # years with no event in between are not drawn to scale
        ax.plot([rule_x, rule_x], [y_a, y_b], color=style.DARK, linewidth=0.9,
                linestyle=(0, (1.2, 1.2)) if dashed else "-")
    ax.scatter([rule_x] * len(centres), [c for _, c in centres], s=16, color=style.INK, zorder=3, linewidths=0)
    return fig


DRAWERS: dict[str, Callable[[FigureSpec, FactBook], Any]] = {
    "bars": draw_bars,
    "pairings": draw_pairings,
    "panel": draw_panel,
    "timeline": draw_timeline,
}


def draw(spec: FigureSpec, book: FactBook) -> str:
    """The spec drawn as an SVG document; byte-identical for identical input."""
    import matplotlib

    settings: Any = {**style.RC, "svg.hashsalt": f"huozi-{spec.id}"}  # matplotlib types each rc key
    with matplotlib.rc_context(settings):
        fig = DRAWERS[spec.kind](spec, book)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
