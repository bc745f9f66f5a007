"""The html edition as files: one page per article and an index, the manuscript's text, no script,
the print page numbers where the EPUB has them, web fonts, links that lead somewhere, and `huozi
check`'s site check. (In a browser: test_html_browser.py; served while editing: test_preview.py.)"""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import html

from epub_helpers import NS, Epub
from html_book import write_book
from huozi import build
from huozi.checks.html_site import check_site
from huozi.clean import clean
from huozi.config import load_config
from huozi.html.assemble import html_page
from huozi.manuscript import parse_manuscript

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


def _page(site: Path, name: str) -> html.HtmlElement:
    return html.parse(str(site / name)).getroot()


def _text(element) -> str:
    """The text a reader reads: footnote calls and print page numbers aside."""
    copy = html.fromstring(html.tostring(element, encoding="unicode"))
    for skipped in copy.xpath("//a[@class='noteref'] | //span[@role='doc-pagebreak']"):
        skipped.drop_tree()
    return copy.text_content()


@pytest.fixture(scope="module")
def site(built) -> Path:
    return built["html"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path, object]:
    """The county report with an article of notes, a wide table and an image, built as the html
    edition alone, without the print page numbers: (project, site, build result)."""
    project = write_book(tmp_path_factory.mktemp("web") / "book")
    with (project / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[html]\npage_numbers = false\n")
    result = build(project, project / "dist", editions=["html"], environ=EPOCH)
    return project, result.outputs[0].path, result


def test_one_page_per_article_an_index_a_stylesheet_and_web_fonts(site, manuscript):
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    pages = ["index.html", *sorted(html_page(a) for a in manuscript.articles)]
    assert [n for n in names if n.endswith(".html")] == sorted(pages)
    assert "style/site.css" in names
    fonts = [n for n in names if n.startswith("fonts/")]
    assert fonts and all(n.endswith(".woff2") and (site / n).read_bytes()[:4] == b"wOF2" for n in fonts)
    assert not [n for n in names if not n.startswith(("fonts/", "style/", "images/")) and n not in pages]


def test_the_index_lists_every_article_and_its_sections(site, manuscript):
    index = _page(site, "index.html")
    links = [(a.get("href"), a.text_content()) for a in index.xpath("//nav[@class='toc']//a")]
    for article in manuscript.articles:
        assert (html_page(article), article.title) in links
        for section in (s for s in article.sections if s.heading):
            assert (f"{html_page(article)}#{section.anchor}", section.heading.text) in links
    assert index.xpath("//h1")[0].text_content() == load_config(Path(__file__).parents[1]).book.title


def test_every_paragraph_heading_and_title_equals_the_manuscript(site, manuscript):
    for article in manuscript.articles:
        page = _page(site, html_page(article))
        assert page.get("lang") == "zh-CN"
        assert [_text(h) for h in page.xpath("//main//h1")] == [article.title]
        assert page.findtext(".//title") == f"{article.title} - 山海携手"
        paragraphs = page.xpath("//main//section/p[@data-line and not(@class)]")
        assert [_text(p) for p in paragraphs] == [p.text for p in article.paragraphs], article.slug
        headings = [_text(h) for h in page.xpath("//main//section/h2")]
        assert headings == [s.heading.text for s in article.sections if s.heading]


def test_no_page_has_a_script_and_every_link_leads_somewhere(site, config):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "_huozi" not in text, page.name
        assert not re.search(r"\son[a-z]+=", text), page.name
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
        assert "/>" not in text.split("<svg")[0], "XHTML syntax in HTML: <span/> would stay open"
    assert check_site(config, site) == []


def test_the_print_page_numbers_stand_where_the_epub_has_them(site, built, manuscript):
    epub = Epub(built["epub"])
    nav = epub.tree(epub.nav_href())
    listed = [(a.text, a.get("href").split("#")[0]) for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a",
                                                                       namespaces=NS)]
    pages = {f"text/chapter-{a.slug}.xhtml": html_page(a) for a in manuscript.articles}
    expected = [(number, pages.get(document, "index.html")) for number, document in listed]
    found = []
    for name in ["index.html", *(html_page(a) for a in manuscript.articles)]:
        for marker in _page(site, name).xpath("//span[@role='doc-pagebreak']"):
            assert marker.get("title") == f"印刷版第{marker.get('data-page')}页" and marker.get("id")
            assert not marker.text_content() and marker.get("aria-label") is None
            found.append((marker.get("data-page"), name))
    assert found == expected and len(found) > 10


def test_the_web_fonts_hold_every_character_of_the_site(site):
    faces = {}
    for font in site.glob("fonts/*.woff2"):
        face = TTFont(io.BytesIO(font.read_bytes()))
        assert face.flavor == "woff2"
        faces[font.stem] = set(face.getBestCmap())
    body = next(cmap for name, cmap in faces.items() if name.startswith("NotoSerifCJKsc-Regular"))
    for page in site.glob("*.html"):
        text = _page(site, page.name).xpath("string(//body)")
        missing = {c for c in text if not c.isspace() and ord(c) not in body}
        assert not missing, (page.name, missing)


def test_an_html_build_without_page_numbers_lays_out_no_print_pages(report):
    project, site, result = report
    assert [o.edition for o in result.outputs] == ["html"]
    assert "print pages" not in {t.stage for t in result.timings}
    assert not list(site.rglob("*.pdf")) and not _page(site, "summary.html").xpath("//span[@role='doc-pagebreak']")


def test_notes_follow_the_block_that_calls_them_and_lead_back(report):
    project, site, _ = report
    page = _page(site, "web.html")
    manuscript = parse_manuscript(project / "manuscript")
    article = next(a for a in manuscript.articles if a.slug == "web")
    notes = page.xpath("//aside[@class='sidenote']")
    assert [n.get("id") for n in notes] == [f"fn-{n.target}" for n in article.notes]
    for note, call in zip(notes, article.notes):
        assert note.get("role") == "doc-footnote"
        assert _text(note).strip().endswith("".join(p.text for p in call.blocks[-1:]))
        back = note.xpath(".//a[@role='doc-backlink']")[0]
        assert page.xpath(f"//a[@id='{back.get('href')[1:]}']/@class") == ["noteref"]
        # The aside follows the top-level block holding its call (a paragraph, the list, the table).
        block = page.xpath(f"//a[@id='fnref-{call.target}']/ancestor::*[parent::section][1]")[0]
        following = block.getnext()
        while following is not None and following.tag == "aside" and following is not note:
            following = following.getnext()
        assert following is note


def test_tables_scroll_and_images_are_in_the_site(report):
    project, site, _ = report
    page = _page(site, "web.html")
    frame = page.xpath("//div[@class='tbl-scroll']")[0]
    assert frame.get("role") == "region" and frame.get("tabindex") == "0" and frame.get("aria-labelledby")
    image = page.xpath("//figure[@class='image']/img")[0]
    assert (site / image.get("src")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.get("alt")
    chart = page.xpath("//figure[@class='chart']//svg") or _page(site, "method.html").xpath("//figure//svg")
    assert chart and chart[0].xpath(".//text")  # data figures inline, their labels text


def test_the_site_check_finds_a_broken_link_at_its_manuscript_line(report, tmp_path):
    project, site, _ = report
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "cases.html"
    text = page.read_text(encoding="utf-8")
    assert 'href="summary.html#sec-findings"' in text
    page.write_text(text.replace('href="summary.html#sec-findings"', 'href="summary.html#sec-nowhere"', 1),
                    encoding="utf-8")
    (copy / "style" / "site.css").write_text('@font-face { src: url("../fonts/gone.woff2"); }', encoding="utf-8")
    findings = check_site(load_config(project), copy)
    assert [f.level for f in findings] == ["error", "error"]
    link = findings[0]
    assert link.message == "cases.html: <a href> leads to #sec-nowhere, which summary.html does not have"
    cases = (project / "manuscript" / "03-cases.md").read_text(encoding="utf-8").splitlines()
    assert link.where.path == project / "manuscript" / "03-cases.md"
    assert "#sec-findings" in cases[link.where.line - 1] or "#sec-findings" in cases[link.where.line]
    assert "fonts/gone.woff2" in findings[1].message


def test_clean_removes_the_site_folder(report, tmp_path):
    project, site, _ = report
    copy = tmp_path / "book"
    shutil.copytree(project, copy)
    assert (copy / "dist" / site.name).is_dir()
    removed = clean(copy)
    assert copy / "dist" / site.name in removed and not (copy / "dist").exists()
