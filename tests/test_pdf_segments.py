"""A book laid out a segment at a time (pdf/segments.py) gives the bytes of the book laid out whole."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from huozi.config import load_config
from huozi.editions import EDITIONS
from huozi.events import collect_warnings
from huozi.figures import render_figures
from huozi.manuscript import parse_manuscript
from huozi.pdf import segments
from huozi.pdf.layout import lay_out
from huozi.pdf.options import PdfOptions
from huozi.pdf.weasy_patch import cjk_layout_for
from huozi.pdf.writer import render_document, write_pdf

ROOT = Path(__file__).resolve().parents[1]
EPOCH = 1590710400


def _pdf(root: Path, edition: str, target: Path) -> str:
    """Lay out and write one edition in this process; the PDF's digest."""
    config = load_config(root)
    manuscript = parse_manuscript(config.manuscript_dir)
    figures = render_figures(config.root, config.figures_dir, manuscript)
    laid = lay_out(config, manuscript, EDITIONS[edition], figures, epoch=EPOCH)
    with cjk_layout_for(config.typography):
        write_pdf(laid.html, target, laid.options, laid.document)
    return hashlib.sha256(target.read_bytes()).hexdigest()


@pytest.fixture
def calls(monkeypatch):
    """Which segments were laid out alone (their numbers) and how often the book was laid out whole."""
    seen: dict[str, list[int]] = {"alone": [], "whole": []}
    alone, seed = segments._alone, segments._seed

    def spy_alone(shape, parts, number, *args):
        seen["alone"].append(number)
        return alone(shape, parts, number, *args)

    def spy_seed(*args):
        seen["whole"].append(1)
        return seed(*args)

    monkeypatch.setattr(segments, "_alone", spy_alone)
    monkeypatch.setattr(segments, "_seed", spy_seed)
    segments.forget()
    yield seen
    segments.forget()


@pytest.mark.parametrize("book, edition", [("", "print"), ("", "handout"), ("tests/report", "print")])
def test_every_segment_laid_out_alone_gives_the_bytes_of_the_whole_book(book, edition, calls, tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "WHOLE_WHEN_CHANGED", 1.0)             # never whole again here
    root = ROOT / book
    whole = _pdf(root, edition, tmp_path / "whole.pdf")
    memo = next(iter(segments._MEMOS.values()))
    assert len(memo.segments) >= 2, "the book was cut into segments"
    kept = len(memo.segments)
    calls["alone"].clear()       # (print's second layout, after figures moved, lays out the moved ones)
    assert _pdf(root, edition, tmp_path / "kept.pdf") == whole        # every segment's pages kept
    assert calls["alone"] == []
    for memo in segments._MEMOS.values():
        memo.segments.clear()                                          # now each is laid out alone
    whole_layouts = len(calls["whole"])
    assert _pdf(root, edition, tmp_path / "alone.pdf") == whole
    assert len(calls["whole"]) == whole_layouts
    assert sorted(set(calls["alone"])) == list(range(kept))


def test_an_edit_lays_out_its_article_alone_and_a_longer_article_moves_the_next(calls, tmp_path, monkeypatch):
    from huozi.pdf import writer

    project = tmp_path / "book"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns("dist", ".huozi-cache", ".venv", ".git",
                                                                   "node_modules", "tests", "bench"))
    first, second = sorted((project / "manuscript").glob("*.md"))
    _pdf(project, "print", tmp_path / "before.pdf")
    calls["alone"].clear()
    layouts: list[str] = []
    real = writer.render_document
    monkeypatch.setattr(writer, "render_document", lambda html, *a, **k: layouts.append(html) or real(html, *a, **k))
    text = second.read_text(encoding="utf-8")
    assert "::: figure" in text                      # its figure's first look is taken again
    second.write_text(text.replace("点亮一盏灯", "点燃一盏灯", 1), encoding="utf-8")
    edited = _pdf(project, "print", tmp_path / "edited.pdf")
    assert calls["alone"] == [2], "only the second article (after the front matter and the first) laid out"
    assert len(layouts) == 1, "once: the look at its figure and the book's layout read the same pages"
    # Three paragraphs more in the first article: the second starts two pages later, the contents'
    # page numbers change, and every segment after the edit is laid out again at its new place.
    lines = first.read_text(encoding="utf-8").splitlines()
    paragraph = next(line for line in lines[10:] if len(line) > 40)
    first.write_text("\n".join(lines).replace(paragraph, "\n\n".join([paragraph] * 4), 1), encoding="utf-8")
    longer = _pdf(project, "print", tmp_path / "longer.pdf")
    whole_layouts = len(calls["whole"])
    segments.forget()
    assert _pdf(project, "print", tmp_path / "cold.pdf") == longer
    assert len(calls["whole"]) == whole_layouts + 1                   # the cold one
    second.write_text(text, encoding="utf-8")
    assert edited != longer


BOOK = """<html><head><style>{css}</style></head><body>
<section class="front"><h1>书</h1><p><a class="ref" href="#b">乙</a></p></section>
<article class="article" id="a"><p>甲文</p></article>
<article class="article" id="b"><p>乙文</p></article>
</body></html>"""


@pytest.mark.parametrize("css", [
    "h2 { counter-increment: section; }", "p::before { content: counter(section); }",
    "@page { @bottom-center { content: counter(page) '/' counter(pages); } }", "@page :nth(2) { margin: 0; }",
    "p:nth-last-child(1) { color: red; }", "@page { @top-center { content: element(head); } }",
    "a::after { content: target-counter(attr(href url), figure); }", "a::after { content: target-text(attr(href url)); }",
    "@page { @top-center { content: string(title, start); } }", "body::before { content: 'x'; }",
    "html { direction: rtl; }"])
def test_css_a_segment_alone_cannot_reproduce_keeps_the_book_whole(css):
    assert segments._shape(BOOK.format(css=css)) is None


@pytest.mark.parametrize("css", [
    "", "a::after { content: target-counter(attr(href url), page); }", "ol { counter-reset: list-item 3; }",
    "@page { @top-right { content: string(title, first-except); } @bottom-center { content: counter(page); } }"])
def test_a_book_is_cut_before_its_articles(css):
    shape = segments._shape(BOOK.format(css=css))
    assert shape is not None
    assert [e.name for e in shape.elements] == ["section", "article", "article"]
    assert shape.articles == ((1, "a"), (2, "b"))


def test_top_level_elements_are_read_past_void_tags_comments_and_scripts():
    body = '<p>一<br>二</p><!-- <div> --><hr><script>if (a < b) { x = "</p>"; }</script><div><img src="x"/></div>'
    assert [e.name for e in segments._top_level(body)] == ["p", "hr", "script", "div"]
    assert segments._top_level("<p>一</p>散文<p>二</p>") is None               # text at the top level
    assert segments._top_level("<div><p>一</div>") is None                    # tags that do not nest


def test_a_book_mostly_changed_is_laid_out_whole_with_the_pages_kept_before_let_go(calls, tmp_path):
    _pdf(ROOT, "handout", tmp_path / "first.pdf")
    for memo in segments._MEMOS.values():
        memo.segments.clear()                                          # as if every segment changed
    _pdf(ROOT, "handout", tmp_path / "again.pdf")
    assert calls["alone"] == [] and len(calls["whole"]) == 2


def test_a_build_with_workers_of_its_own_keeps_no_pages_in_the_callers_process(calls, tmp_path):
    from huozi import build

    build(ROOT, tmp_path / "out", environ={"SOURCE_DATE_EPOCH": str(EPOCH)}, jobs=1, editions=["handout"])
    assert calls["whole"] and not segments._MEMOS


def test_warnings_of_a_kept_layout_are_told_every_time(tmp_path, calls):
    """A layout WeasyPrint warned about is not cut (its warning would be lost with its pages kept)."""
    html = BOOK.format(css="article { break-before: page; } p { colour: red; }")
    options = PdfOptions(base_dir=tmp_path, project_root=tmp_path)

    def render(text, seen):
        return render_document(text, options, seen)

    for _ in range(2):
        with collect_warnings("weasyprint", "print") as warnings:
            document = segments.render_book(html, options, "salt", render)
        assert any("colour" in w.message for w in warnings)
        assert len(document.pages) == 3
    assert calls == {"alone": [], "whole": []} and not segments._MEMOS    # never cut, nothing kept


def test_a_layout_that_keeps_pages_saves_their_line_break_plans_for_the_next_process(calls, tmp_path):
    """.huozi-cache/layout keeps the decisions a layout used: the kept pages' plans are among them,
    so a new process after a watch session does not plan those paragraphs' lines again."""
    import json
    import subprocess
    import sys

    from huozi import build
    from huozi.pipeline import Workers

    def plans(project: Path) -> set[str]:
        return set(json.loads((project / ".huozi-cache" / "layout" / "print.json").read_text())["plans"])

    project = tmp_path / "book"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns("dist", ".huozi-cache", ".venv", ".git",
                                                                   "node_modules", "tests", "bench"))
    environ = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    with Workers(1) as workers:                       # one lane: this process, kept between builds
        build(project, tmp_path / "out", environ=environ, editions=["print"], workers=workers)
        second = sorted((project / "manuscript").glob("*.md"))[-1]
        text = second.read_text(encoding="utf-8")
        second.write_text(text.replace("点亮一盏灯", "点燃一盏灯", 1), encoding="utf-8")
        calls["alone"].clear()
        build(project, tmp_path / "out", environ=environ, editions=["print"], workers=workers)
        assert calls["alone"] == [2]                  # the first article's pages were kept
    warm = plans(project)
    shutil.rmtree(project / ".huozi-cache" / "layout")
    code = "import sys, huozi; huozi.build(sys.argv[1], sys.argv[2], jobs=1, editions=['print'])"
    subprocess.run([sys.executable, "-c", code, str(project), str(tmp_path / "cold")], check=True)
    cold = plans(project)
    # Every plan a new process needs; pages kept from the first (whole) layout bring its plans,
    # the edited paragraph's old one among them.
    assert cold <= warm and len(warm - cold) <= 1
