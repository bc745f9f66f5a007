"""clreq typography measured on the real PDFs with pdfplumber, independently of huozi's own lint.

Body lines are the characters in the body face at the body size (the most common size of
the serif face); a line is a run of them on one baseline. A line is indented (a paragraph's
first) when it starts 2 em right of a column's left edge; the line before an indented one,
and the last line, end a paragraph. Each column's right edge is the furthest any of its
lines reaches.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pdfplumber
import pytest

from huozi.text.chars import NO_END, NO_START, is_han
from huozi.text.typeset import ZERO_WIDTH

PDF_EDITIONS = ("handout", "print")
FLUSH_PT = 0.5


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


def _body_lines(path) -> list[PdfLine]:
    with pdfplumber.open(path) as pdf:
        chars = [(n, c) for n, page in enumerate(pdf.pages, 1) for c in page.chars if "Serif" in c["fontname"]]
    size = Counter(round(c["size"], 2) for _, c in chars).most_common(1)[0][0]
    rows: dict[tuple[int, float], list[dict]] = defaultdict(list)
    for page, c in chars:
        if round(c["size"], 2) == size:
            rows[(page, round(c["bottom"], 1))].append(c)
    return [PdfLine(page, tuple(sorted(cs, key=lambda c: c["x0"])), size)
            for (page, _), cs in sorted(rows.items())]


def _body(path) -> Body:
    lines = _body_lines(path)
    starts = {round(line.x0, 1) for line in lines}
    # Indented by 2 em from a left edge that other lines start at.
    indented = tuple(round(line.x0 - 2 * line.size, 1) in starts for line in lines)
    lefts = tuple(line.x0 - (2 * line.size if ind else 0) for line, ind in zip(lines, indented))
    edge: dict[float, float] = {}
    for line, left in zip(lines, lefts):
        edge[round(left)] = max(edge.get(round(left), 0.0), line.x1)
    return Body(tuple(lines), indented, lefts, edge)


@pytest.fixture(scope="module")
def bodies(built) -> dict[str, Body]:
    return {name: _body(built[name]) for name in PDF_EDITIONS}


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_non_final_lines_are_flush(bodies, edition):
    body = bodies[edition]
    nonfinal = [i for i in range(len(body.lines)) if not body.final(i)]
    short = [body.right_edge(i) - body.lines[i].x1 for i in nonfinal]
    flush = sum(1 for s in short if s <= FLUSH_PT)
    assert len(nonfinal) > 50
    assert flush / len(nonfinal) >= 0.99, [body.lines[i].text for i, s in zip(nonfinal, short) if s > FLUSH_PT]


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_no_prohibited_line_starts_or_ends(bodies, edition):
    body = bodies[edition]
    starts = [line.text for i, line in enumerate(body.lines) if not body.indented[i] and line.text[0] in NO_START]
    ends = [line.text for i, line in enumerate(body.lines) if not body.final(i) and line.text[-1] in NO_END]
    assert starts == [] and ends == []


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_no_single_character_last_lines(bodies, edition):
    body = bodies[edition]
    finals = [body.lines[i].text for i in range(len(body.lines)) if body.final(i)]
    lone = [text for text in finals if sum(1 for ch in text if is_han(ch) or ch.isalnum()) < 2]
    assert len(finals) > 20 and lone == []


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_han_western_gaps_are_a_quarter_em_without_spaces(bodies, edition):
    gaps = []
    for line in bodies[edition].lines:
        for a, b in zip(line.chars, line.chars[1:]):
            pair = a["text"] + b["text"]
            if (is_han(pair[0]) and pair[1].isascii() and pair[1].isalnum()) or \
                    (is_han(pair[1]) and pair[0].isascii() and pair[0].isalnum()):
                gaps.append((round((b["x0"] - a["x1"]) / line.size, 3), pair))
        assert " " not in line.text
    assert len(gaps) > 40
    assert all(0.15 <= gap <= 0.35 for gap, _ in gaps), [g for g in gaps if not 0.15 <= g[0] <= 0.35]


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_extracted_text_is_the_manuscript(bodies, manuscript, edition):
    body = bodies[edition]
    paragraphs, current = [], ""
    for i, line in enumerate(body.lines):
        current += line.text
        if body.final(i):
            paragraphs.append(current)
            current = ""
    expected = [p.text for article in manuscript.articles for p in article.paragraphs]
    assert paragraphs == expected


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_pdf_strings_carry_no_break_controls(built, manuscript, edition):
    """Outline titles, link descriptions and every other string outside the page content."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(built[edition])
    seen: set[int] = set()
    strings: list[str] = []

    def walk(obj) -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key not in ("/Parent", "/P", "/Pg"):
                    walk(value)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                walk(value)
        elif isinstance(obj, str):
            strings.append(obj)

    walk(reader.trailer["/Root"])
    assert len(strings) > 10
    assert [s for s in strings if set(s) & ZERO_WIDTH] == []

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    found = list(titles(reader.outline))
    headings = {a.title for a in manuscript.articles}
    headings |= {s.heading.text for a in manuscript.articles for s in a.sections if s.heading}
    assert found and set(found) <= headings


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_extract_text_reads_no_space_at_han_western_gaps(bodies, built, edition):
    """pdfplumber's extract_text (default 3 pt tolerance) on the body text, as copy-paste reads it."""
    import re

    size = bodies[edition].lines[0].size

    def body(obj) -> bool:
        return obj["object_type"] == "char" and "Serif" in obj["fontname"] and round(obj["size"], 2) == size

    with pdfplumber.open(built[edition]) as pdf:
        text = "".join((page.filter(body).extract_text() or "").replace("\n", "") for page in pdf.pages)
    assert len(re.findall(r"[\u4e00-\u9fff][0-9]|[0-9][\u4e00-\u9fff]", text)) > 40
    assert re.findall(r".{4}(?:[\u4e00-\u9fff] [0-9A-Za-z]|[0-9A-Za-z] [\u4e00-\u9fff]).{4}", text) == []
