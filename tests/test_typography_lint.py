"""The typographic lint: each rule caught on a small page that breaks it, and the real book clean.

Fixture pages are 50 mm wide columns of 10 pt type: 14 Han characters a line with 1.7 pt to
spare, so an unjustified line is visibly short of the edge.
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest

from huozi.checks import lint, lint_document
from huozi.pdf.weasy_patch import cjk_layout
from huozi.pdf.writer import PdfOptions, render_document
from huozi.text.typeset import TypesetRules, typeset

ROOT = Path(__file__).resolve().parents[1]
RULES = ("line-start", "line-end", "split-pair", "lone-char", "stranded-heading", "widow-orphan", "split-figure",
         "han-western-gap")
PAGE = """@page { size: 60mm 80mm; margin: 5mm; }
html { font-family: "Noto Serif CJK SC"; font-size: 10pt; line-height: 1.6; }
body { margin: 0; }
p { text-indent: 0; margin: 0; text-align: justify; orphans: 2; widows: 2; }
"""
HAN = "山海携手共赴康庄大道东西部扶贫协作与对口支援纪事为推动区域协调发展协同发展共同发展"


def render(body: str, tmp_path: Path, css: str = "", justify: bool = True, patch: bool = True,
           total_fit: bool = False):
    """Lay out `body` in a fixture page with the project's base.css and lint it.

    Lines are broken greedily (WeasyPrint's own way) unless `total_fit`: these fixtures show what
    the typesetter's controls alone do; tests/test_typography_breaking.py tests the total-fit breaker.
    """
    base = (ROOT / "styles" / "base.css").read_text(encoding="utf-8")
    html = (f'<html lang="zh-CN"><head><style>{base}{PAGE}{css}</style></head><body>'
            f'<article data-src="fixture.md">{body}</article></body></html>')
    with cjk_layout(justify, total_fit=total_fit) if patch else nullcontext():
        document = render_document(html, PdfOptions(base_dir=tmp_path, project_root=tmp_path))
    return lint_document(document, "fixture", Path("manuscript"))


def para(text: str, line: int = 7) -> str:
    return f'<p data-line="{line}">{text}</p>'


def test_flush_lines_with_justification_and_ragged_without(tmp_path):
    body = para(str(typeset(HAN[:20] + "，" + HAN[20:])))
    justified = render(body, tmp_path)
    ragged = render(body, tmp_path, justify=False)
    assert justified.nonfinal_lines >= 2 and justified.flush_share == 1.0
    assert ragged.flush_share == 0.0 and ragged.count("flush") == ragged.nonfinal_lines


def test_line_start_and_end_violations_are_found(tmp_path):
    report = render(para("山海携手<br>，共赴康庄<br>大道“<br>东西部”") + para("正常的一行文字。", 9), tmp_path)
    starts = [f for f in report.findings if f.rule == "line-start"]
    ends = [f for f in report.findings if f.rule == "line-end"]
    assert [(f.text[0], f.line, str(f.where)) for f in starts] == [("，", 2, "manuscript/fixture.md:7")]
    assert [(f.text[-1], f.line) for f in ends] == [("“", 3)]


def test_split_dash_pair_is_found(tmp_path):
    assert render(para("山海携手—<br>—共赴康庄"), tmp_path).count("split-pair") == 1
    assert render(para("山海携手——<br>共赴康庄"), tmp_path).count("split-pair") == 0


def test_lone_last_character_is_found_and_prevented(tmp_path):
    text = HAN[:15] + "。"  # one character more than a line holds
    raw = render(para(text), tmp_path)
    kept = render(para(str(typeset(text))), tmp_path)
    assert raw.count("lone-char") == 1 and raw.lines[-1].text == HAN[14] + "。"
    assert kept.count("lone-char") == 0 and kept.lines[-1].text == HAN[13:15] + "。"


def test_stranded_heading_is_found_and_prevented(tmp_path):
    body = ('<div style="height: 160pt"></div><h2 data-line="3" style="margin: 0; font-size: 10pt">标题</h2>'
            + para(HAN * 2, 4))
    stranded = render(body, tmp_path, css="h2 { break-after: auto; }")
    kept = render(body, tmp_path)  # base.css: headings break-after: avoid
    [finding] = [f for f in stranded.findings if f.rule == "stranded-heading"]
    assert (finding.page, str(finding.where)) == (1, "manuscript/fixture.md:3")
    assert kept.count("stranded-heading") == 0
    front = body.replace(' data-line="3"', "")  # front matter (a title page) has nothing to keep
    assert render(front, tmp_path, css="h2 { break-after: auto; }").count("stranded-heading") == 0


def test_orphan_is_found_and_prevented(tmp_path):
    body = '<div style="height: 170pt"></div>' + para(HAN * 2, 5)  # room for one line at the foot
    orphaned = render(body, tmp_path, css="p { orphans: 1; }")
    kept = render(body, tmp_path)  # base.css: orphans 2, widows 2
    [finding] = [f for f in orphaned.findings if f.rule == "widow-orphan"]
    assert (finding.page, str(finding.where)) == (1, "manuscript/fixture.md:5")
    assert kept.count("widow-orphan") == 0 and {line.page for line in kept.lines} == {2}


def test_figure_split_from_caption_is_found_and_prevented(tmp_path):
    body = ('<div style="height: 140pt"></div><figure style="margin: 0"><div style="height: 30pt"></div>'
            '<div style="height: 60pt"></div><figcaption>图一　甘肃陇南与山东青岛</figcaption></figure>')
    split = render(body, tmp_path, css="figure { break-inside: auto; }")
    kept = render(body, tmp_path)  # base.css: figure { break-inside: avoid }
    assert split.count("split-figure") == 1 and split.lines[-1].page == 2
    assert kept.count("split-figure") == 0 and kept.lines[-1].page == 2


def test_han_western_gaps_measured(tmp_path):
    text = "自2016年青岛市对口帮扶陇南市以来，仅2019年一年间销售总额达1.5亿元。"
    raw = render(para(text), tmp_path)
    spaced = render(para(str(typeset(text))), tmp_path)
    assert raw.count("han-western-gap") == len(raw.gaps_em) == 6 and set(raw.gaps_em) == {0.0}
    assert len(spaced.gaps_em) == 6 and spaced.count("han-western-gap") == 0
    assert all(0.2 <= gap <= 0.3 for gap in spaced.gaps_em)


def test_gap_dropped_at_line_start(tmp_path):
    text = HAN[:14] + "2016年起" + HAN[:10]  # the digits cannot fit on line 1 and start line 2
    trimmed = render(para(str(typeset(text))), tmp_path, justify=False)
    kept = render(para(str(typeset(text))), tmp_path, patch=False)
    for report, indent in ((trimmed, 0.0), (kept, 2.4)):  # 0.24 em of 10 pt = 2.4 pt
        second = report.lines[1]
        assert second.text.startswith("2016")
        assert (second.left - second.column_left) * 0.75 == pytest.approx(indent, abs=0.01)


def test_strict_level_is_checked(tmp_path):
    body = para("山海携手<br>／共赴康庄")
    assert render(body, tmp_path).count("line-start") == 0
    document_rules = TypesetRules(line_break="strict")
    base = (ROOT / "styles" / "base.css").read_text(encoding="utf-8")
    html = f'<html lang="zh-CN"><head><style>{base}{PAGE}</style></head><body>{body}</body></html>'
    document = render_document(html, PdfOptions(base_dir=tmp_path, project_root=tmp_path))
    assert lint_document(document, "fixture", rules=document_rules).count("line-start") == 1


@pytest.fixture(scope="module")
def book_reports(config, manuscript):
    return lint(config, manuscript)


@pytest.mark.parametrize("edition", ["handout", "print"])
def test_real_book_passes_the_lint(book_reports, edition):
    report = book_reports[edition]
    assert report.nonfinal_lines > 50 and report.flush_share >= 0.99, report.summary()
    assert {rule: report.count(rule) for rule in RULES} == dict.fromkeys(RULES, 0), report.findings
    assert len(report.gaps_em) > 40 and all(0.15 <= gap <= 0.35 for gap in report.gaps_em)


def test_real_book_lines_know_their_manuscript_lines(book_reports, manuscript):
    body = [line for line in book_reports["print"].lines if line.paragraph is not None]
    expected = {f"manuscript/{a.path.name}:{p.line}" for a in manuscript.articles for p in a.paragraphs}
    assert {str(line.where) for line in body} == expected


def test_justify_can_be_switched_off_in_book_toml(project_copy):
    from huozi.config import load_config
    from huozi.manuscript import parse_manuscript

    path = project_copy / "book.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[typography]\njustify = false\n", encoding="utf-8")
    config = load_config(project_copy)
    report = lint(config, parse_manuscript(config.manuscript_dir), editions=["print"])["print"]
    assert report.nonfinal_lines > 50 and report.flush_share < 0.1
    assert report.count("han-western-gap") == 0  # spacing and edge trimming stay on
