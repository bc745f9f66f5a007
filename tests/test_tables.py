"""Issue 12: tables, built once from tests/tables into all three editions and read as a reader gets them.

The book has a 4-column numeric table (表1), a 7-column table of text and numbers that the print
measure takes only set smaller (表2), a 70-row table longer than a print page (表3), a 13-column
table too wide for either PDF's measure (表4: turned in print, landscape in the handout), a table
in a list item and an uncaptioned one in a quote, a fact stated in a table cell and a figure drawn
from 表1. Positions come from pdfplumber, tags from pikepdf, the EPUB from its XHTML and EPUBCheck.
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from epub_helpers import NS, Epub, text_of
from huozi import build
from huozi.checks.pdf_tags import tag_findings, walk
from huozi.cli import main
from huozi.config import load_config
from huozi.errors import FigureError, ManuscriptError
from huozi.figures.facts import check_facts, load_facts, manuscript_tables
from huozi.layout.links import table_numbers
from huozi.manuscript import parse_article, parse_manuscript
from huozi.manuscript.model import Table
from pdf_helpers import MM

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "tests" / "tables"
BODY_PT = {"print": 10.5, "handout": 12.0}
STYLES = ROOT / "styles"


def _page_margins(css: str, selector: str) -> tuple[float, float, float, float]:
    """(top, right, bottom, left) in mm of the first `margin:` of the @page rule `selector`."""
    rule = re.search(re.escape(selector) + r"\s*\{[^{}]*?(?:\{[^{}]*\}[^{}]*?)*?\bmargin:\s*([^;]+);", css)
    values = [float(v.removesuffix("mm")) for v in rule[1].split()]
    top = values[0]
    right = values[1] if len(values) > 1 else top
    bottom = values[2] if len(values) > 2 else top
    left = values[3] if len(values) > 3 else right
    return top, right, bottom, left


PRINT_CSS = (STYLES / "print.css").read_text(encoding="utf-8")
HANDOUT_CSS = (STYLES / "handout.css").read_text(encoding="utf-8")
# The text block of each edition's pages, in mm from the trim, as the stylesheets set it: print's
# margins are mirrored (the inner one wider), the handout's landscape page `wide` has its own.
PRINT_MARGINS = _page_margins(PRINT_CSS, "@page")
RIGHT_PAGE = re.search(r"@page :right \{\s*margin-left: ([\d.]+)mm; margin-right: ([\d.]+)mm;", PRINT_CSS)
HANDOUT_MARGINS = {"portrait": _page_margins(HANDOUT_CSS, "@page"), "landscape": _page_margins(HANDOUT_CSS, "@page wide")}
TOLERANCE = 0.6  # pt: rounding of positions in the PDF


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> dict[str, Path]:
    project = tmp_path_factory.mktemp("tables") / "tables"
    shutil.copytree(TABLES, project)
    result = build(project, project / "dist", environ={"SOURCE_DATE_EPOCH": "1775001600"})
    paths = {o.edition: o.path for o in result.outputs}
    paths["project"] = project
    paths["warnings"] = result.warnings
    return paths


@pytest.fixture(scope="module")
def manuscript():
    return parse_manuscript(TABLES / "manuscript")


@pytest.fixture(scope="module")
def print_pdf(book):
    with pdfplumber.open(book["print"]) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def handout_pdf(book):
    with pdfplumber.open(book["handout"]) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def epub(book) -> Epub:
    return Epub(book["epub"])


# --- reading the pages -----------------------------------------------------------------------------

def _trim(page) -> tuple[float, float, float, float]:
    """The trim box in pdfplumber's coordinates: (left, top, right, bottom)."""
    box = page.page_obj.attrs.get("TrimBox") or page.page_obj.attrs["MediaBox"]
    x0, y0, x1, y1 = (float(pdfplumber.utils.resolve(v)) for v in pdfplumber.utils.resolve(box))
    # pdfplumber keeps PDF x but measures `top` as the MediaBox's height minus PDF y, whatever the
    # MediaBox's origin (the print sheet starts at minus the bleed).
    return x0, page.height - y1, x1, page.height - y0


def _text_block(page, number: int, edition: str) -> tuple[float, float, float, float]:
    left, top, right, bottom = _trim(page)
    if edition == "print":
        t, _, b, _ = PRINT_MARGINS
        inner, outer = float(RIGHT_PAGE[1]), float(RIGHT_PAGE[2])
        lm, r = (inner, outer) if number % 2 else (outer, inner)
    else:
        t, r, b, lm = HANDOUT_MARGINS["landscape" if page.width > page.height else "portrait"]
    return left + lm * MM, top + t * MM, right - r * MM, bottom - b * MM


def _visible(page) -> list[dict]:
    return [c for c in page.chars if c["text"].strip() and c["text"] not in "\u200b\u2060"]


def _page_text(page) -> str:
    return re.sub(r"\s+", "", "".join(c["text"] for c in page.chars))


def _pages_with(pdf, needle: str) -> list[int]:
    return [i for i, page in enumerate(pdf.pages) if needle in _page_text(page)]


def _lines(chars: list[dict]) -> list[list[dict]]:
    """Upright characters grouped into lines by baseline, top to bottom, each left to right."""
    lines: list[list[dict]] = []
    for char in sorted((c for c in chars if c["upright"]), key=lambda c: (round(c["bottom"], 1), c["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - char["bottom"]) < 1.0:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _cells(line: list[dict], gap_em: float = 0.6) -> list[list[dict]]:
    """A table line cut into cells where the space between two characters is a column's gap."""
    cells = [[line[0]]]
    for before, char in zip(line, line[1:]):
        if char["x0"] - before["x1"] > gap_em * char["size"]:
            cells.append([char])
        else:
            cells[-1].append(char)
    return cells


def _word(cell: list[dict]) -> str:
    return "".join(c["text"] for c in cell)


def _table_rows(page, first_cells: set[str]) -> list[list[list[dict]]]:
    """The lines of `page` whose first cell is one of `first_cells`, cut into cells."""
    return [cells for cells in (_cells(line) for line in _lines(_visible(page))) if _word(cells[0]) in first_cells]


# --- the model ---------------------------------------------------------------------------------------

def test_tables_are_typed_with_rows_alignment_captions_and_lines(manuscript):
    tables = [t for _, t in manuscript.tables]
    assert [t.anchor for t in tables[:4]] == ["tbl-economy", "tbl-towns", "tbl-villages", "tbl-monthly"]
    assert [t.columns for t in tables[:4]] == [4, 7, 5, 13]
    economy, towns, villages, monthly = tables[:4]
    assert economy.title == "2021—2025年青山县主要经济指标" and economy.caption_line == 11
    assert [c.text for c in economy.header[0].cells][1] == "地区生产总值（亿元）"
    assert economy.align == ("", "right", "right", "right") and economy.alignment == ("right",) * 4
    assert [r.line for r in economy.rows] == [15, 16, 17, 18, 19]
    assert [n.text for n in economy.notes] == ["数据来源：青山县统计局《国民经济和社会发展统计公报》。"]
    # A caption under the table (Quarto), a typed alignment, numbers found, text left.
    assert towns.title == "2025年各乡镇数字基础设施" and towns.caption_line > towns.rows[-1].line
    assert towns.alignment == ("left", "center", "right", "right", "right", "left", "left")
    assert towns.numeric == (False, False, True, True, True, False, False)
    assert [i.kind for i in towns.notes[0].inlines] == ["text", "code", "text"]
    assert len(villages.rows) == 70 and villages.alignment[4] == "center"
    assert len(monthly.rows) == 20
    in_list, in_quote = tables[4:]
    assert in_list.anchor == "tbl-in-list" and not in_quote.captioned


def test_strong_code_links_and_cross_references_in_cells(tmp_path):
    path = tmp_path / "01-a.md"
    path.write_text("---\ntitle: 甲\n---\n\n| 名 | 值 |\n|---|---|\n| **粗** `码` [链](#tbl-a) | 见@tbl-a |\n\n"
                    ": 标题 {#tbl-a}\n", encoding="utf-8")
    table = next(b for b in parse_article(path).walk() if isinstance(b, Table))
    kinds = [i.kind for i in table.rows[0].cells[0].inlines]
    assert kinds == ["strong", "text", "code", "text", "link"]
    assert [i.kind for i in table.rows[0].cells[1].inlines] == ["text", "xref"]


def test_a_short_row_is_padded_with_a_warning_at_its_line(tmp_path, manuscript):
    assert not manuscript.warnings  # the fixture has none; a short row is made here, as Pandoc pads it
    project = tmp_path / "b"
    shutil.copytree(TABLES, project)
    path = project / "manuscript" / "02-short.md"
    path.write_text(path.read_text(encoding="utf-8").replace("| 快递点 | 126 |", "| 快递点 |"), encoding="utf-8")
    table = next(t for t in parse_article(path).walk() if isinstance(t, Table) and t.anchor == "tbl-in-list")
    assert [c.text for c in table.rows[1].cells] == ["快递点", ""]
    result = build(project, tmp_path / "out", ["epub"], environ={"SOURCE_DATE_EPOCH": "1775001600"})
    (warning,) = [w for w in result.warnings if "table row" in w.message]
    assert warning.where.path == path and warning.where.line == 16
    assert "1 cell under a header of 2: the missing cells are left empty" in warning.message


def test_numbering_through_the_book_or_per_article(manuscript):
    assert table_numbers(manuscript) == {"tbl-economy": "表1", "tbl-towns": "表2", "tbl-villages": "表3",
                                         "tbl-monthly": "表4", "tbl-in-list": "表5"}
    assert table_numbers(manuscript, "article")["tbl-in-list"] == "表2-1"
    assert table_numbers(manuscript, "article")["tbl-monthly"] == "表1-4"


def test_numbering_option_is_checked(tmp_path):
    shutil.copytree(TABLES, tmp_path / "b")
    config = tmp_path / "b" / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[tables]\nnumbering = "chapter"\n', encoding="utf-8")
    with pytest.raises(Exception) as error:
        load_config(tmp_path / "b")
    assert "tables.numbering" in str(error.value) and error.value.where.line == 17


# --- facts and figures ---------------------------------------------------------------------------------

def test_a_fact_in_a_table_cell_is_checked_with_the_cells_line(tmp_path, manuscript):
    book = load_facts(TABLES / "figures")
    lines = check_facts(book, manuscript.files, manuscript_tables(manuscript))
    source = (TABLES / "manuscript" / "01-overview.md").read_text(encoding="utf-8").splitlines()
    row = next(n for n, line in enumerate(source, 1) if line.startswith("| 东山镇 |"))
    assert lines["dongshan-online-table"] == row and lines["dongshan-online-2025"] == 9
    copy = tmp_path / "b"
    shutil.copytree(TABLES, copy)
    article = copy / "manuscript" / "01-overview.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("| 东山镇 | 山区 | 18 | 18 |", "| 东山镇 | 山区 | 18 | 19 |"), encoding="utf-8")
    broken = parse_manuscript(copy / "manuscript")
    with pytest.raises(FigureError) as error:
        check_facts(load_facts(copy / "figures"), broken.files, manuscript_tables(broken))
    assert error.value.where.path == article and error.value.where.line == row
    assert "the table says 19 where fact 'dongshan-online-table'" in error.value.message
    assert "column “光纤接入（个）”" in error.value.message


def test_a_figure_draws_its_bars_from_a_table(book, epub):
    chapter = epub.tree("text/chapter-overview.xhtml")
    figure = chapter.xpath("//x:figure[@id='fig-gdp-trend']", namespaces=NS)[0]
    label = figure.xpath(".//*[@role='img']/@aria-label", namespaces=NS)[0]
    assert "2021：98.6亿元" in label and "2025：126.7亿元" in label
    svg_text = re.sub(r"\s+", "", text_of(figure))
    for year, value in (("2021", "98.6"), ("2025", "126.7")):
        assert year in svg_text and f"{value}亿元" in svg_text


# --- print and handout: positions ---------------------------------------------------------------

@pytest.mark.parametrize("edition", ["print", "handout"])
def test_numeric_table_cells_sit_in_their_columns_right_aligned_in_tabular_figures(edition, book):
    with pdfplumber.open(book[edition]) as pdf:
        (index,) = [i for i in _pages_with(pdf, "表12021—2025年青山县主要经济指标") if "续表1" not in _page_text(pdf.pages[i])]
        rows = _table_rows(pdf.pages[index], {"2021", "2022", "2023", "2024", "2025"})
        header = [line for line in _lines(_visible(pdf.pages[index])) if _word(line).startswith("年份")][0]
    assert len(rows) == 5 and all(len(cells) == 4 for cells in rows)
    assert [_word(c) for c in rows[1]] == ["2022", "104.3", "15,290", "6.5"]
    for column in range(4):
        rights = [cells[column][-1]["x1"] for cells in rows]
        lefts = [cells[column][0]["x0"] for cells in rows]
        assert max(rights) - min(rights) < TOLERANCE, (column, rights)  # right-aligned
        if column < 3:  # a column ends before the next one starts, in every row
            assert max(rights) < min(cells[column + 1][0]["x0"] for cells in rows)
        assert min(lefts) > (rows[0][column - 1][-1]["x1"] if column else 0)
    # The header of each column ends where its numbers end (a right-aligned header).
    assert abs(header[-1]["x1"] - rows[0][3][-1]["x1"]) < TOLERANCE
    # Tabular figures: every digit of the cells is as wide as every other (half an em).
    widths = {round(c["x1"] - c["x0"], 2) for cells in rows for cell in cells for c in cell if c["text"].isdigit()}
    assert len(widths) == 1 and abs(widths.pop() - BODY_PT[edition] / 2) < 0.05


def test_the_wide_mixed_table_is_set_smaller_in_print_with_cells_in_columns(print_pdf):
    index = _pages_with(print_pdf, "表22025年各乡镇数字基础设施")[0]
    page = print_pdf.pages[index]
    towns = {"城关镇", "东山镇", "西河乡", "南岭镇", "北坡乡", "石门镇", "青溪乡", "白云乡"}
    rows = _table_rows(page, towns)
    assert len(rows) >= 3
    size = rows[0][0][0]["size"]
    assert 8.0 <= size < BODY_PT["print"] - 0.5  # smaller, down to the floor and no further
    for column in (2, 3, 4):  # the number columns: right-aligned, each between its neighbours
        rights = [cells[column][-1]["x1"] for cells in rows]
        assert max(rights) - min(rights) < TOLERANCE
        assert max(cells[column - 1][-1]["x1"] for cells in rows) < min(cells[column][0]["x0"] for cells in rows)
    # Han–Western spacing inside a cell ("9个"), with no space character in the text.
    count = rows[0][5]
    assert _word(count) == "9个" and 0.15 * size < count[1]["x0"] - count[0]["x1"] < 0.35 * size
    # Cells are not justified: the characters of a wrapped note stand one em apart.
    note = [line for line in _lines(_visible(page)) if _word(line).startswith("地，光纤")]
    advances = [b["x0"] - a["x0"] for a, b in zip(note[0], note[0][1:]) if a["text"] not in "，"]
    assert advances and all(abs(a - size) < 0.05 for a in advances)


def test_the_header_repeats_with_xubiao_and_no_row_is_split(print_pdf, handout_pdf):
    for edition, pdf in (("print", print_pdf), ("handout", handout_pdf)):
        first = _pages_with(pdf, "表3青山县行政村名录")
        continued = _pages_with(pdf, "续表3青山县行政村名录")
        assert continued and continued[0] == first[0] + 1
        numbers: Counter[str] = Counter()
        for index in [first[0], *continued]:
            bottom = _text_block(pdf.pages[index], index + 1, edition)[3]
            lines = [line for line in _lines(_visible(pdf.pages[index])) if line[0]["bottom"] < bottom]
            words = [_word(line) for line in lines]
            head = next(i for i, w in enumerate(words) if w.startswith("序号"))
            assert words[head] == "序号行政村所属乡镇户数光纤"
            if index != first[0]:
                assert words[head - 1] == "续表3青山县行政村名录" and head <= 2  # at the top of the page
            rows = [_cells(line) for line in lines[head + 1:] if re.fullmatch(r"\d+", _word(_cells(line)[0]))]
            assert all(len(cells) == 5 for cells in rows)  # a row whole on its page
            numbers.update(_word(cells[0]) for cells in rows)
        assert numbers == Counter(str(n) for n in range(1, 71))


def test_the_too_wide_table_is_turned_in_print_with_folio_and_running_head_in_place(print_pdf):
    turned = [i for i, page in enumerate(print_pdf.pages) if sum(not c["upright"] for c in _visible(page)) > 50]
    assert len(turned) >= 2 and turned == list(range(turned[0], turned[0] + len(turned)))
    first, *rest = turned
    upright_texts = []
    for index in turned:
        page = print_pdf.pages[index]
        rotated = "".join(c["text"] for c in page.chars if not c["upright"])
        assert ("续表4" in rotated) == (index != first) and "2025年青山县数字乡村月度指标" in rotated
        assert "12月" in rotated  # the header on every part
        left, top, right, bottom = _text_block(page, index + 1, "print")
        for char in _visible(page):
            if not char["upright"]:
                assert left - TOLERANCE <= char["x0"] and char["x1"] <= right + TOLERANCE, char
                assert top - TOLERANCE <= char["top"] and char["bottom"] <= bottom + TOLERANCE, char
        upright = [c for c in _visible(page) if c["upright"]]
        upright_texts.append("".join(c["text"] for c in upright))
        # Folio at the outer foot, running head at the top: outside the text block, upright.
        folio = [c for c in upright if c["top"] > bottom]
        assert "".join(c["text"] for c in folio) == str(index + 1)
        outer = (folio[-1]["x1"] > right - 5) if (index + 1) % 2 else (folio[0]["x0"] < left + 5)
        assert outer
        assert all(c["bottom"] < top for c in upright if c not in folio)
    assert "全县概况" in "".join(upright_texts) and "青山县数字乡村统计资料" in "".join(upright_texts)
    rows = "".join(c["text"] for i in turned for c in print_pdf.pages[i].chars if not c["upright"])
    assert all(name in rows for name in ("光纤用户（户）", "公共WiFi接入（次）"))


def test_the_too_wide_table_is_on_landscape_pages_in_the_handout(handout_pdf):
    pages = _pages_with(handout_pdf, "2025年青山县数字乡村月度指标")
    wide = [i for i in pages if handout_pdf.pages[i].width > handout_pdf.pages[i].height]
    assert len(wide) >= 2 and pages == wide
    for index in wide:
        page = handout_pdf.pages[index]
        left, top, right, bottom = _text_block(page, index + 1, "handout")
        folio = [c for c in _visible(page) if c["top"] > bottom]
        assert "".join(c["text"] for c in folio) == str(index + 1)
        assert abs((folio[0]["x0"] + folio[-1]["x1"]) / 2 - (left + right) / 2) < 3  # centred at the foot
        header = [line for line in _lines(_visible(page)) if _word(line).startswith("指标")]
        assert header and _word(header[0]).endswith("12月")
    assert handout_pdf.pages[wide[0] - 1].width < handout_pdf.pages[wide[0] - 1].height
    assert handout_pdf.pages[wide[-1] + 1].width < handout_pdf.pages[wide[-1] + 1].height


@pytest.mark.parametrize("edition", ["print", "handout"])
def test_nothing_crosses_the_text_block(edition, book):
    with pdfplumber.open(book[edition]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            left, top, right, bottom = _text_block(page, number, edition)
            for char in _visible(page):
                if top - TOLERANCE <= char["top"] and char["bottom"] <= bottom + TOLERANCE:
                    assert left - TOLERANCE <= char["x0"] and char["x1"] <= right + TOLERANCE, (number, char["text"])
                else:  # the furniture of the margins: the running head and the folio, inside the trim
                    x0, y0, x1, y1 = _trim(page)
                    assert x0 < char["x0"] and char["x1"] < x1 and y0 < char["top"] and char["bottom"] < y1


# --- handout: tags ---------------------------------------------------------------------------------

def test_handout_tags_tables_as_table_thead_tbody_tr_th_td(book):
    assert tag_findings(book["handout"]) == []
    with pikepdf.open(book["handout"]) as pdf:
        tables = [e for e in walk(pdf) if e.role == "/Table"]
        assert len(tables) == 6
        for element in tables:
            kids = [k for k in element.obj.K if isinstance(k, pikepdf.Dictionary)]
            roles = [str(k.S) for k in kids]
            assert roles.count("/THead") == 1 and roles.count("/TBody") == 1 and roles[-1] == "/TBody"
            head = kids[roles.index("/THead")]
            (row,) = [k for k in head.K if isinstance(k, pikepdf.Dictionary)]
            assert row.S == "/TR" and {str(c.S) for c in row.K if isinstance(c, pikepdf.Dictionary)} <= {"/TH", "/TD"}
            for cell in row.K:
                if isinstance(cell, pikepdf.Dictionary) and cell.S == "/TH":
                    assert cell.A.Scope == "/Column"
            body = kids[roles.index("/TBody")]
            for tr in body.K:
                assert tr.S == "/TR" and all(c.S == "/TD" for c in tr.K if isinstance(c, pikepdf.Dictionary))
        captions = [e for e in walk(pdf) if e.role == "/Caption" and e.parent_role == "/Table"]
        assert len(captions) == 5
        villages = next(t for t in tables if len(list(t.obj.K[-1].K)) == 70)  # one body, every row
        assert villages.page is not None


def test_repeated_headers_are_artifacts_in_the_handout(book, handout_pdf):
    continued = _pages_with(handout_pdf, "续表3青山县行政村名录")
    with pikepdf.open(book["handout"]) as pdf:
        page = pdf.pages[continued[0]]
        artifact_text, depth = [], 0
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BMC", "BDC"):
                depth = depth + 1 if (depth or str(operands[0]) == "/Artifact") else 0
            elif op == "EMC" and depth:
                depth -= 1
            elif op in ("Tj", "TJ") and depth:
                artifact_text.append(op)
        assert len(artifact_text) >= 6  # the 续表 line and the five header cells, drawn as artifacts


# --- EPUB --------------------------------------------------------------------------------------------

def test_epub_tables_have_caption_thead_th_scope_and_scroll(epub):
    chapter = epub.tree("text/chapter-overview.xhtml")
    tables = chapter.xpath("//x:table", namespaces=NS)
    assert len(tables) == 4
    for table in tables:
        caption = table.xpath("x:caption", namespaces=NS)[0]
        assert re.fullmatch(r"表\d.+", text_of(caption))
        ths = table.xpath("x:thead/x:tr/x:th", namespaces=NS)
        assert ths and all(th.get("scope") == "col" for th in ths)
        frame = table.getparent()
        assert frame.get("class") == "tbl-scroll" and frame.get("role") == "region" and frame.get("tabindex") == "0"
        assert frame.get("aria-labelledby") == caption.get("id")
        assert not table.xpath(".//x:tr[@class='tbl-cont']", namespaces=NS)  # 续表 is for paged editions
    economy = tables[0]
    assert [text_of(td) for td in economy.xpath("x:tbody/x:tr[2]/x:td", namespaces=NS)] == ["2022", "104.3", "15,290", "6.5"]
    assert {td.get("class") for td in economy.xpath(".//x:td", namespaces=NS)} == {"r num s"}  # short: kept whole
    assert len(tables[2].xpath("x:tbody/x:tr", namespaces=NS)) == 70
    note = chapter.xpath("//x:div[@id='tbl-towns']/x:p[@class='tbl-note']/x:code", namespaces=NS)
    assert [text_of(c) for c in note] == ["rate = online / villages"]
    css = epub.read("style/book.css").decode()
    assert re.search(r"div\.tbl-scroll\s*\{[^}]*overflow-x:\s*auto", css)


def test_epub_cross_references_and_accessibility_summary(epub):
    chapter = epub.tree("text/chapter-short.xhtml")
    links = {text_of(a): a.get("href") for a in chapter.xpath("//x:a", namespaces=NS)}
    assert links["表1"] == "chapter-overview.xhtml#tbl-economy"
    assert links["表3"] == "chapter-overview.xhtml#tbl-villages"
    assert links["这张宽表"] == "chapter-overview.xhtml#tbl-monthly"
    summary = epub.meta("schema:accessibilitySummary")[0]
    assert "有6个数据表格，均有表头单元格" in summary


def test_epubcheck_reports_nothing(book, epubcheck):
    result = epubcheck(book["epub"])
    assert result.problems() == [] and (result.fatals, result.errors, result.warnings) == (0, 0, 0)


def test_print_and_handout_print_the_labels(print_pdf, handout_pdf):
    for pdf in (print_pdf, handout_pdf):
        text = "".join(_page_text(p) for p in pdf.pages)
        assert "各年数字见表1" in text and "基础设施见表2" in text and "@tbl" not in text and "{#" not in text


def test_strict_check_passes_on_the_tables_book(book):
    assert main(["check", "--strict", "--quiet", str(book["project"]), "--out", str(book["project"] / "dist")]) == 0


# --- too wide even turned ---------------------------------------------------------------------------

def test_a_table_too_wide_even_turned_stops_the_build_at_its_line(tmp_path):
    project = tmp_path / "b"
    shutil.copytree(TABLES, project)
    numbers = " | ".join(f"{n:,}.{n % 10}" for n in range(1234567, 1234567 + 40))
    article = project / "manuscript" / "02-short.md"
    text = article.read_text(encoding="utf-8")
    header = " | ".join(f"列{n}" for n in range(40))
    article.write_text(text + f"\n| {header} |\n|{'---|' * 40}\n| {numbers} |\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    with pytest.raises(ManuscriptError) as error:
        build(project, tmp_path / "out", ["handout"])
    assert error.value.where.path == article and error.value.where.line == line
    assert "too wide for the page" in error.value.message and "split it" in error.value.hint


# --- the lint on tables ---------------------------------------------------------------------------

def _lint(body: str, tmp_path: Path):
    from huozi.checks.lint import lint_document
    from huozi.pdf.weasy_patch import cjk_layout
    from huozi.pdf.writer import PdfOptions, render_document

    base = (ROOT / "styles" / "base.css").read_text(encoding="utf-8")
    page = "@page { size: 80mm 100mm; margin: 5mm; } html { font-family: 'Noto Serif CJK SC'; font-size: 10pt; }"
    html = (f'<html lang="zh-CN"><head><style>{base}{page}</style></head><body>'
            f'<article data-src="t.md">{body}</article></body></html>')
    with cjk_layout():
        document = render_document(html, PdfOptions(base_dir=tmp_path, project_root=tmp_path))
    return lint_document(document, "fixture", Path("manuscript"))


def test_lint_takes_cells_for_unjustified_text_and_flags_a_cell_overflow(tmp_path):
    cell = "山海携手共赴康庄大道东西部扶贫协作与对口支援纪事为推动区域协调发展"
    table = ('<table class="table fixed"><colgroup><col style="width: 30%"/><col style="width: 70%"/></colgroup>'
             '<thead><tr><th data-line="3">甲</th><th data-line="3">乙</th></tr></thead><tbody>'
             f'<tr><td class="r num" data-line="5">123,456,789.0123</td><td data-line="5">{cell}</td></tr>'
             '</tbody></table>')
    report = _lint(table, tmp_path)
    assert report.nonfinal_lines == 0 and not report.count("flush")  # cells are not justified paragraphs
    assert len([line for line in report.lines if line.text.startswith("山海")]) >= 1
    (overflow,) = [f for f in report.findings if f.rule == "overflow"]
    assert overflow.text == "123,456,789.0123" and str(overflow.where) == "manuscript/t.md:5"


def test_a_row_taller_than_a_page_splits_under_repeated_headers_and_stays_one_tr(tmp_path):
    project = tmp_path / "b"
    project.mkdir()
    shutil.copy(TABLES / "book.toml", project / "book.toml")
    (project / "manuscript").mkdir()
    tall = "很长的单元格文字，" * 150
    (project / "manuscript" / "01-a.md").write_text(
        f"---\ntitle: 大行\n---\n\n正文。\n\nTable: 大行表 {{#tbl-big}}\n\n| 名 | 说明 |\n|---|---|\n| 甲 | {tall} |\n"
        "| 乙 | 短 |\n\n后文。\n", encoding="utf-8")
    result = build(project, tmp_path / "out", ["handout"], environ={"SOURCE_DATE_EPOCH": "1775001600"})
    (path,) = [o.path for o in result.outputs]
    with pdfplumber.open(path) as pdf:
        pages = _pages_with(pdf, "大行表")
        assert len(pages) >= 2 and "正文。" in _page_text(pdf.pages[pages[0]])  # it starts where it stands
        for index in pages[1:]:
            assert _page_text(pdf.pages[index]).startswith("续表1大行表名说明很长")
    assert tag_findings(path) == []
    with pikepdf.open(path) as pdf:
        (table,) = [e for e in walk(pdf) if e.role == "/Table"]
        body = table.obj.K[-1]
        assert body.S == "/TBody" and len(list(body.K)) == 2  # 甲 and 乙: the split row is one TR
        assert all(len([c for c in tr.K if isinstance(c, pikepdf.Dictionary)]) == 2 for tr in body.K)


def test_a_footnote_called_from_a_cell(epub, print_pdf, handout_pdf):
    chapter = epub.tree("text/chapter-short.xhtml")
    (call,) = chapter.xpath("//x:td/x:a[@epub:type='noteref']", namespaces={**NS, "epub": "http://www.idpf.org/2007/ops"})
    note = chapter.xpath(f"//*[@id='{call.get('href')[1:]}']", namespaces=NS)[0]
    assert "电商站指村级电子商务服务站。" in text_of(note)
    for pdf in (print_pdf, handout_pdf):
        (index,) = _pages_with(pdf, "表5列表中的小表")
        text = _page_text(pdf.pages[index])
        assert "电商站①40" in text and text.index("①电商站指村级电子商务服务站。") > text.index("快递点126")
