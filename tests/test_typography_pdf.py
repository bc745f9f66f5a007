"""clreq typography measured on the real PDFs with pdfplumber, independently of huozi's own lint.

How body lines, paragraphs and column edges are read is in tests/typography_measure.py.
"""
from __future__ import annotations

import pdfplumber
import pytest

from huozi.text.chars import NO_END, NO_START, is_han
from huozi.text.typeset import ZERO_WIDTH
from typography_measure import Body, flush, read_body

PDF_EDITIONS = ("handout", "print")


@pytest.fixture(scope="module")
def bodies(built) -> dict[str, Body]:
    return {name: read_body(built[name]) for name in PDF_EDITIONS}


@pytest.mark.parametrize("edition", PDF_EDITIONS)
def test_non_final_lines_are_flush(bodies, edition):
    body = bodies[edition]
    nonfinal = body.nonfinal()
    ragged = [body.lines[i].text for i in nonfinal if not flush(body, i)]
    assert len(nonfinal) > 50
    assert ragged == []


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
