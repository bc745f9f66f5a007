"""Measuring body text on a built PDF with pdfplumber, independently of huozi's own lint.

Body lines are the characters in the body face at the body size (the most common size of
the serif face); a line is a run of them on one baseline. A line is indented (a paragraph's
first) when it starts 2 em right of a column's left edge; the line before an indented one,
and the last line, end a paragraph. Each column's right edge is the furthest any of its
lines reaches.

The even-colour measures (issue 16): the letter spacing between two neighbouring Han
characters of a non-final line (pdfplumber's x1 is x0 plus the glyph's advance, so the gap
to the next glyph's x0 is what justification added), and the room each run of CJK marks
takes in its context (see `punctuation_advances`).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from huozi.text.chars import is_cjk_punct, is_han

OPENING_MARKS = frozenset("（〔［｛〈《「『【“‘")


@dataclass(frozen=True)
class PdfLine:
    page: int
    chars: tuple[dict, ...]
    size: float

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]


@dataclass(frozen=True)
class Body:
    lines: tuple[PdfLine, ...]
    indented: tuple[bool, ...]
    column_left: tuple[float, ...]
    edge: dict[float, float]

    def final(self, i: int) -> bool:
        return i == len(self.lines) - 1 or self.indented[i + 1]

    def right_edge(self, i: int) -> float:
        return self.edge[round(self.column_left[i])]

    def nonfinal(self) -> list[int]:
        return [i for i in range(len(self.lines)) if not self.final(i)]


def body_lines(path: Path) -> list[PdfLine]:
    with pdfplumber.open(path) as pdf:
        chars = [(n, c) for n, page in enumerate(pdf.pages, 1) for c in page.chars if "Serif" in c["fontname"]]
    size = Counter(round(c["size"], 2) for _, c in chars).most_common(1)[0][0]
    rows: dict[tuple[int, float], list[dict]] = defaultdict(list)
    for page, c in chars:
        if round(c["size"], 2) == size:
            rows[(page, round(c["bottom"], 1))].append(c)
    return [PdfLine(page, tuple(sorted(cs, key=lambda c: c["x0"])), size)
            for (page, _), cs in sorted(rows.items())]


def read_body(path: Path) -> Body:
    lines = body_lines(path)
    starts = {round(line.x0, 1) for line in lines}

    def indent(line: PdfLine) -> float:
        """Indented by 2 em from a left edge that other lines start at: 0 if not. An opening
        mark set half width (kaiming, banjiao) draws its glyph into its blank half, 0.5 em left."""
        for amount in (2.0, 1.5) if line.text[0] in OPENING_MARKS else (2.0,):
            if any(abs(line.x0 - amount * line.size - start) < 0.3 for start in starts):
                return amount * line.size
        return 0.0

    indents = [indent(line) for line in lines]
    indented = tuple(bool(amount) for amount in indents)
    lefts = tuple(line.x0 - amount for line, amount in zip(lines, indents))
    edge: dict[float, float] = {}
    for line, left in zip(lines, lefts):
        # A mark at a line's end may be compressed or hang past the edge: edges come from other lines.
        if not is_cjk_punct(line.text[-1]):
            edge[round(left)] = max(edge.get(round(left), 0.0), line.x1)
    for line, left in zip(lines, lefts):
        edge.setdefault(round(left), line.x1)
    return Body(tuple(lines), indented, lefts, edge)


def overhang_em(body: Body, i: int) -> float:
    """How far line i's last glyph box reaches past its column's right edge, in em."""
    return (body.lines[i].x1 - body.right_edge(i)) / body.lines[i].size


def flush(body: Body, i: int, tolerance_pt: float = 0.5) -> bool:
    """Line i ends at the edge: its last glyph, or the ink half of a compressed (or hanging) mark."""
    line = body.lines[i]
    over = overhang_em(body, i) * line.size
    allowed = [0.0]
    if is_cjk_punct(line.text[-1]):
        allowed += [line.size / 2, line.size]
    return any(abs(over - a) <= tolerance_pt for a in allowed)


def han_spacing(line: PdfLine) -> list[float]:
    """Letter spacing (em) between each pair of neighbouring Han characters of the line."""
    return [(b["x0"] - a["x1"]) / line.size
            for a, b in zip(line.chars, line.chars[1:])
            if len(a["text"]) == len(b["text"]) == 1 and is_han(a["text"]) and is_han(b["text"])]


@dataclass(frozen=True)
class Spacing:
    """Per-gap Han letter spacing over the non-final lines: one value per line (its largest gap)."""

    per_line: tuple[tuple[float, str], ...]

    @property
    def worst(self) -> float:
        return max((v for v, _ in self.per_line), default=0.0)

    @property
    def p90(self) -> float:
        values = sorted(v for v, _ in self.per_line)
        return values[int(0.9 * (len(values) - 1))] if values else 0.0

    @property
    def median(self) -> float:
        return statistics.median(v for v, _ in self.per_line) if self.per_line else 0.0

    def worst_lines(self, n: int = 5) -> list[tuple[float, str]]:
        return sorted(self.per_line, reverse=True)[:n]


def spacing(body: Body) -> Spacing:
    per_line = []
    for i in body.nonfinal():
        gaps = han_spacing(body.lines[i])
        if gaps:
            per_line.append((max(gaps), body.lines[i].text))
    return Spacing(tuple(per_line))


def _is_mark(ch: str) -> bool:
    return len(ch) == 1 and is_cjk_punct(ch) and ch not in "—…·"


def _wide(ch: str) -> bool:
    # A "character" of more than one code point is a ligature another tool wrote (Typst's PDFs).
    return len(ch) == 1 and (is_han(ch) or is_cjk_punct(ch))


def punctuation_advances(body: Body) -> dict[tuple[str, str], list[float]]:
    """Width (em) taken by each run of CJK marks, by (run, where): "text", "line-start", "line-end".

    A run's width is the room between the glyph before it and the glyph after it (from the
    one's x1 to the other's x0, or to the column's edge at a line's end), less the line's Han
    letter spacing in the gaps around and inside it: where the run's own glyph boxes are drawn
    does not matter (a half-width opening quote is drawn shifted into its blank half).
    """
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i, line in enumerate(body.lines):
        chars = line.chars
        gaps = han_spacing(line)
        extra = statistics.median(gaps) if gaps else 0.0
        k = 0
        while k < len(chars):
            if not _is_mark(chars[k]["text"]):
                k += 1
                continue
            end = k
            while end + 1 < len(chars) and _is_mark(chars[end + 1]["text"]):
                end += 1
            run = "".join(c["text"] for c in chars[k:end + 1])
            texts = [c["text"] for c in chars[max(k - 1, 0):end + 2]]
            spaced = sum(1 for a, b in zip(texts, texts[1:]) if _wide(a) and _wide(b))
            if k == 0:
                where, left = "line-start", None
            else:
                where, left = "text", chars[k - 1]["x1"]
            if end + 1 < len(chars):
                right = chars[end + 1]["x0"]
            elif body.final(i):
                k = end + 1
                continue  # a paragraph's last marks have nothing after them to measure against
            else:
                where, right = "line-end", min(body.right_edge(i), chars[end]["x1"])
            if left is None:
                left = min(c["x0"] for c in chars[k:end + 1])
                if body.indented[i]:
                    k = end + 1
                    continue
            width = (right - left) / line.size - extra * spaced
            found[(run, where)].append(round(width, 3))
            k = end + 1
    return dict(found)


def advance_spread(advances: dict[tuple[str, str], list[float]]) -> dict[tuple[str, str], float]:
    return {key: max(values) - min(values) for key, values in advances.items()}
