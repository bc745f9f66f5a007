"""Paragraph-wide (total-fit) line breaking for justified CJK text, in the spirit of Knuth–Plass.

A greedy breaker fills each line in turn, so when a character must move down (a mark that
may not start a line, a lone last character) the whole em goes into the letter spacing of
the line above. Here every break opportunity of the paragraph is weighed at once and the
breaks that minimise the total badness are chosen (Knuth & Plass 1981, "Breaking paragraphs
into lines"; clreq §3.8 line adjustment).

The model is pure data, measured by the caller (`huozi.pdf.weasy_patch` measures with Pango
on the real fonts):

- a `Glyph` per visible character: its natural advance, the margin it loses at a line's start
  or end (the ¼ em Han–Western margin is dropped at line edges), whether the gap after it takes
  letter spacing (between two wide characters, clreq §3.8), and the compression it may get at
  a line's end or start (a full-width mark set half width, GB/T 15834-2011 §5.1.2);
- a `Break` per opportunity: before which glyph, what it costs (0 at an ordinary break, more
  inside a URL, most inside a word), and how many glyphs (spaces) vanish at it.

Badness of a line is the square of its per-gap letter spacing in hundredths of an em, with
shrinking (negative spacing) costing four times as much and limited to `MAX_SHRINK_EM`. A gap
may take several shares of the spacing (`Glyph.stretch_after`: a word space takes more than a
gap between Han characters); the spacing measured is that of one share.
"""
from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from ..cache import Memo
from .chars import is_han

MAX_SHRINK_EM = 0.03   # tighter than this and Han characters start to touch
MAX_STRETCH_EM = 0.5   # looser than this a line is a failure, taken only if nothing else fits
SHRINK_COST = 4.0   # a line shrunk costs this many times one spread as much
LINE_COST = 1.0        # a small cost per line: of two equally even settings, the shorter
INFEASIBLE = 1e9


@dataclass(frozen=True)
class Glyph:
    """One visible character of the paragraph (widths in px)."""

    char: str
    width: float
    start_trim: float = 0.0   # width lost when the glyph starts a line
    end_trim: float = 0.0     # width lost when the glyph ends a line
    stretch_after: float = 0.0  # shares of the line's extra width the gap to the next glyph takes


@dataclass(frozen=True)
class Break:
    """A place the paragraph may break: before glyph `index`, after dropping `skip` spaces."""

    index: int
    penalty: float = 0.0
    skip: int = 0   # trailing spaces before `index` that vanish at the break


@dataclass(frozen=True)
class Plan:
    """The chosen breaks (glyph indices where each line after the first starts) and their spacing."""

    starts: tuple[int, ...]
    spacing_em: tuple[float, ...]  # per-gap letter spacing of each non-final line
    feasible: bool


def _line_width(glyphs: Sequence[Glyph], prefix: list[float], start: int, end: int) -> float:
    """Natural width of glyphs[start:end] set as one line (edge trims applied)."""
    return prefix[end] - prefix[start] - glyphs[start].start_trim - glyphs[end - 1].end_trim


def _plan_json(plan: Plan) -> list[object]:
    return [list(plan.starts), list(plan.spacing_em), plan.feasible]


def _plan_from_json(data: object) -> Plan | None:
    """A saved plan, or None when it is not one (its fit to the paragraph is checked on use)."""
    if not (isinstance(data, list) and len(data) == 3 and isinstance(data[0], list) and isinstance(data[1], list)
            and isinstance(data[2], bool) and len(data[0]) == len(data[1])
            and all(type(i) is int for i in data[0]) and all(type(x) is float for x in data[1])
            and all(a < b for a, b in zip([0, *data[0]], data[0]))):
        return None
    return Plan(tuple(data[0]), tuple(data[1]), data[2])


# Plans by the hash of everything they are made from, for the life of the process and (those of
# the last layout) in the project's cache (pdf/kept.py): a paragraph is laid out again on a page
# remade for a figure moved (figures/placement.py), in every layout that settles the footnote
# marks, and by a warm worker at every rebuild, and breaking was a third of a layout. A few hundred
# bytes each; the oldest forgotten first.
PLANS = Memo(20000, _plan_json, _plan_from_json)


def break_paragraph(glyphs: Sequence[Glyph], breaks: Sequence[Break], measures: Sequence[float],
                    font_size: float, last_line_min_units: int = 0,
                    units: Sequence[int] | None = None) -> Plan:
    """The breaks minimising the paragraph's total badness (`_break`), remembered by their inputs."""
    numbers = array("d", [font_size, last_line_min_units, len(glyphs), len(breaks), len(measures)])
    for glyph in glyphs:
        numbers.extend((glyph.width, glyph.start_trim, glyph.end_trim, glyph.stretch_after))
    for item in breaks:
        numbers.extend((item.index, item.penalty, item.skip))
    numbers.extend(measures)
    numbers.extend(units if units is not None else (-1.0,))
    digest = hashlib.sha256(numbers.tobytes())
    digest.update("\0".join(glyph.char for glyph in glyphs).encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    plan: Plan | None = PLANS.get(key)
    if plan is None or (plan.starts and plan.starts[-1] >= len(glyphs)):
        plan = PLANS[key] = _break(glyphs, breaks, measures, font_size, last_line_min_units, units)
    return plan


def _break(glyphs: Sequence[Glyph], breaks: Sequence[Break], measures: Sequence[float],
           font_size: float, last_line_min_units: int = 0, units: Sequence[int] | None = None) -> Plan:
    """The breaks minimising the paragraph's total badness.

    `measures[i]` is the width of line i (the last value repeats); `units[i]` counts the
    characters that make glyph i a unit for 孤字 (1 for a Han character or the start of a
    Western run, 0 otherwise); a final line with fewer than `last_line_min_units` is penalised
    when it holds a Han character (clreq's 孤字: one English word alone on the last line is
    ordinary Western setting, and forbidding it spreads the lines above).
    """
    n = len(glyphs)
    prefix = [0.0]
    gaps = [0.0]
    shrinks = [0]  # a line shrinks evenly over its gaps: a word space takes no more than a Han gap
    for glyph in glyphs:
        prefix.append(prefix[-1] + glyph.width)
        gaps.append(gaps[-1] + float(glyph.stretch_after))
        shrinks.append(shrinks[-1] + (1 if glyph.stretch_after else 0))
    unit_prefix = [0]
    for u in (units if units is not None else [1] * n):
        unit_prefix.append(unit_prefix[-1] + u)
    han_prefix = [0]
    for glyph in glyphs:
        han_prefix.append(han_prefix[-1] + (1 if is_han(glyph.char) else 0))
    nodes = [Break(0)] + sorted(breaks, key=lambda b: b.index) + [Break(n)]
    best: list[tuple[float, int, int]] = [(0.0, -1, 0)]  # (cost, previous node, line number)
    for k in range(1, len(nodes)):
        end_node = nodes[k]
        final = k == len(nodes) - 1
        end = end_node.index - end_node.skip
        choice = (INFEASIBLE * 10, -1, 0)
        for j in range(k - 1, -1, -1):
            cost_j, _, line_no = best[j]
            start = nodes[j].index
            if end <= start:
                continue
            measure = measures[min(line_no, len(measures) - 1)]
            width = _line_width(glyphs, prefix, start, end)
            if width - measure > MAX_SHRINK_EM * font_size * max(shrinks[end - 1] - shrinks[start], 0) + 0.01 and j < k - 1:
                break  # lines from earlier starts are only wider
            shares = gaps[end - 1] - gaps[start] if width <= measure else shrinks[end - 1] - shrinks[start]
            badness = _badness(width, measure, shares, font_size, final)
            if (final and last_line_min_units and unit_prefix[end] - unit_prefix[start] < last_line_min_units
                    and han_prefix[end] > han_prefix[start]):
                badness += 1e6
            total = cost_j + badness + end_node.penalty + LINE_COST
            if total < choice[0]:
                choice = (total, j, line_no + 1)
        best.append(choice)
    starts, spacing, k = [], [], len(nodes) - 1
    while best[k][1] > 0:
        j = best[k][1]
        starts.append(nodes[j].index)
        k = j
    starts.reverse()
    lines = list(zip([0, *starts], [*starts, n]))
    for number, (start, end) in enumerate(lines[:-1]):
        skip = next(b.skip for b in breaks if b.index == end)
        width = _line_width(glyphs, prefix, start, end - skip)
        measure = measures[min(number, len(measures) - 1)]
        steps = gaps if width <= measure else shrinks
        count = max(steps[end - skip - 1] - steps[start], 1)
        spacing.append((measure - width) / count / font_size)
    return Plan(tuple(starts), tuple(spacing), best[-1][0] < INFEASIBLE)


def _badness(width: float, measure: float, gap_count: float, font_size: float, final: bool) -> float:
    extra = measure - width
    if final:
        return 0.0 if extra >= -0.01 else INFEASIBLE
    if gap_count <= 0:
        return 0.0 if abs(extra) < 0.01 else INFEASIBLE / 10 + abs(extra)
    per_gap = extra / gap_count / font_size
    if per_gap < -MAX_SHRINK_EM:
        return INFEASIBLE
    if per_gap > MAX_STRETCH_EM:
        return INFEASIBLE / 10 + per_gap
    hundredths = per_gap * 100
    return hundredths ** 2 * (SHRINK_COST if per_gap < 0 else 1)
