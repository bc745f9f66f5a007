"""Print page numbers in the EPUB: page-list and pagebreak markers where the print pages begin."""
from __future__ import annotations

import pdfplumber
import pytest
from lxml import etree

from epub_helpers import NS, Epub
from huozi.epub.pagebreaks import place_page_breaks
from huozi.pagetext import PageText, floats, normalise

SPAN = 10  # characters compared on each side of a page break
BODY_SIZE = 10  # pt: running heads are set smaller than the print body (10.5 pt)


@pytest.fixture(scope="module")
def epub(built) -> Epub:
    return Epub(built["epub"])


@pytest.fixture(scope="module")
def pdf_pages(built, config, manuscript) -> list[tuple[str, str]]:
    """(folio, body text) of each print PDF page, read back from the PDF with pdfplumber.

    Page furniture is left out: the folio (a number on the last line) and a running head (a
    first line in small type that repeats the book's or an article's title).
    """
    heads = {normalise(config.book.title)} | {normalise(a.title) for a in manuscript.articles}
    pages = []
    with pdfplumber.open(built["print"]) as pdf:
        for index, page in enumerate(pdf.pages, 1):
            rows: dict[int, list[dict]] = {}
            for char in page.chars:
                rows.setdefault(round(char["top"]), []).append(char)
            lines = [(normalise("".join(c["text"] for c in sorted(rows[top], key=lambda c: c["x0"]))),
                      max(c["size"] for c in rows[top])) for top in sorted(rows)]
            lines = [(text, size) for text, size in lines if text]
            folio = lines[-1][0] if lines and lines[-1][0].isdigit() else str(index)
            if lines and lines[-1][0] == folio:
                lines = lines[:-1]  # the folio sits below the text block
            if lines and lines[0][0] in heads and lines[0][1] < BODY_SIZE:
                lines = lines[1:]  # the running head above it
            pages.append((folio, "".join(text for text, _ in lines)))
    return pages


def _page_list(epub: Epub) -> list[tuple[str, str]]:
    nav = epub.tree(epub.nav_href())
    links = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    return [(a.text, a.get("href")) for a in links]


def _around_marker(epub: Epub, href: str) -> tuple[str, str]:
    """The EPUB text just before and just after the marker `href` points at (in reading order)."""
    name, anchor = href.split("#")
    before, after, seen = [], [], False
    for doc in epub.spine_hrefs():
        body = epub.tree(doc).find(f"{{{NS['x']}}}body")
        floating = {n for f in body.iter() if isinstance(f.tag, str) and floats(f) for n in f.iter()}
        for node in body.iter():
            if node in floating:  # print may move these figures on their page: compared without them
                (after if seen else before).append(node.tail or "" if floats(node) else "")
                continue
            if doc == name and node.get("id") == anchor and "pagebreak" in (node.get(f"{{{NS['epub']}}}type") or ""):
                seen = True
            texts = [node.text] if isinstance(node.tag, str) and node.tag != etree.Comment else []
            if seen and node.get("id") == anchor:
                texts = []  # the marker is empty; its tail follows below
            for text in texts:
                (after if seen else before).append(text or "")
            (after if seen else before).append(node.tail or "")
        if seen:
            break
    return normalise("".join(before))[-SPAN:], normalise("".join(after))[:SPAN]


def test_page_list_has_one_entry_per_print_page_in_order(epub, pdf_pages):
    entries = _page_list(epub)
    assert [label for label, _ in entries] == [folio for folio, _ in pdf_pages]


def test_each_marker_sits_where_its_print_page_begins(epub, pdf_pages):
    """The text after a marker is on its print page and not the one before; the text before it is
    on the previous page and not on this one. (A figure print floats to a page's top or bottom
    may come first on a page, so the break is pinned from both sides rather than by a prefix.)"""
    entries = _page_list(epub)
    texts = dict(pdf_pages)
    previous, blank = None, []
    for label, href in entries:
        before, after = _around_marker(epub, href)
        if not texts[label]:  # a blank page shares the place of the next page with text
            blank.append(after)
            continue
        assert all(b == after for b in blank), f"blank pages before {label} are not at its place"
        blank = []
        assert after and after in texts[label], f"page {label}: EPUB continues {after!r}"
        # Within one document the text before the marker ends the previous print page.
        if previous is not None and previous[1] == href.split("#")[0]:
            assert after not in texts[previous[0]], f"page {label}: {after!r} is on page {previous[0]}"
            assert before in texts[previous[0]], f"page {previous[0]}: EPUB ends {before!r}"
            assert before not in texts[label], f"page {previous[0]}: {before!r} is on page {label}"
        previous = (label, href.split("#")[0])


def test_a_print_page_begins_at_its_marker_or_with_a_floated_figure(epub, pdf_pages):
    """Only a figure the print edition floated to the page's top may come before the marker's text."""
    captions = [normalise("".join(c.itertext())) for doc in epub.spine_hrefs()
                for c in epub.tree(doc).xpath("//x:figure[contains(@class, 'chart')]/x:figcaption", namespaces=NS)]
    texts = dict(pdf_pages)
    for label, href in _page_list(epub):
        _, after = _around_marker(epub, href)
        if not texts[label]:
            continue  # blank (checked above)
        head = texts[label][:texts[label].find(after)]
        assert head == "" or any(c in head for c in captions), f"page {label} starts with {head[:40]!r}"


def test_markers_are_empty_pagebreak_spans_with_the_page_label(epub):
    for label, href in _page_list(epub):
        name, anchor = href.split("#")
        root = epub.tree(name)
        (marker,) = root.xpath(f"//*[@id='{anchor}']")
        assert etree.QName(marker).localname == "span"
        assert marker.get(f"{{{NS['epub']}}}type") == "pagebreak"
        assert marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label
        assert len(marker) == 0 and not marker.text


XHTML_DOC = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
             'xmlns:epub="http://www.idpf.org/2007/ops"><body>{}</body></html>')


def test_breaks_split_text_and_blank_pages_share_the_next_place():
    docs = [("a.xhtml", XHTML_DOC.format("<h1>第一章</h1><p>甲乙丙丁<em>戊己</em>庚辛壬癸子丑寅卯</p>")),
            ("b.xhtml", XHTML_DOC.format("<p>天地玄黄宇宙洪荒</p>"))]
    pages = [PageText("1", "第一章甲乙丙丁戊"), PageText("2", ""), PageText("3", "己庚辛壬"),
             PageText("4", "印刷版独有的文字天地玄黄宇宙")]
    texts, breaks = place_page_breaks(docs, pages)
    assert [(b.number, b.file_name) for b in breaks] == [("1", "a.xhtml"), ("2", "a.xhtml"), ("3", "a.xhtml"),
                                                         ("4", "b.xhtml")]
    a = etree.fromstring(texts[0].encode())
    marks = ["".join(a.itertext())]
    assert marks == ["第一章甲乙丙丁戊己庚辛壬癸子丑寅卯"]  # the text itself is untouched
    body = a.find(f"{{{NS['x']}}}body")
    assert [c.get("id") for c in body][:2] == ["page-1", None]  # before the heading, not inside it
    em = a.find(f".//{{{NS['x']}}}em")
    assert [c.get("id") for c in em] == ["page-2", "page-3"]  # inside the run, in page order
    assert em.text == "戊" and em[1].tail == "己"
    b = etree.fromstring(texts[1].encode())
    assert b.find(f".//{{{NS['x']}}}body")[0].get("id") == "page-4"


def test_svg_text_is_not_print_text():
    """A figure's SVG labels are drawn as an image in the PDF: a page starting at the caption
    gets its marker before the figure."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>坐标轴标签</text></svg>'
    body = f"<p>前文一二三四</p><figure>{svg}<figcaption>图1 数据图说明文字</figcaption></figure>"
    docs = [("a.xhtml", XHTML_DOC.format(body))]
    texts, breaks = place_page_breaks(docs, [PageText("1", "前文一二三四"), PageText("2", "图1数据图说明文字")])
    body = etree.fromstring(texts[0].encode()).find(f"{{{NS['x']}}}body")
    assert [(etree.QName(c).localname, c.get("id")) for c in body] == [
        ("span", "page-1"), ("p", None), ("span", "page-2"), ("figure", None)]


def test_ncx_page_list_matches_the_nav_page_list(epub):
    ncx_href = next(i.get("href") for i in epub.manifest().values() if i.get("media-type") == "application/x-dtbncx+xml")
    ncx = epub.tree(ncx_href)
    ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    targets = [(t.get("value"), t.find("n:content", ns).get("src"))
               for t in ncx.xpath("//n:pageList/n:pageTarget", namespaces=ns)]
    assert targets == _page_list(epub)
    assert ncx.xpath("//n:meta[@name='dtb:totalPageCount']/@content", namespaces=ns) == [str(len(targets))]


def test_a_label_printed_twice_still_gets_unique_ids():
    docs = [("a.xhtml", XHTML_DOC.format("<p>一二三四五六</p><p>七八九十百千</p>"))]
    _, breaks = place_page_breaks(docs, [PageText("1", "一二三四五六"), PageText("1", "七八九十百千")])
    assert [b.number for b in breaks] == ["1", "1"]
    assert len({b.anchor for b in breaks}) == 2


def test_a_page_starting_at_a_list_item_marks_inside_the_item():
    docs = [("a.xhtml", XHTML_DOC.format("<ol><li>第一项一二三四五</li><li>第二项六七八九十</li></ol>"))]
    texts, _ = place_page_breaks(docs, [PageText("1", "第一项一二三四五"), PageText("2", "第二项六七八九十")])
    ol = etree.fromstring(texts[0].encode()).find(f".//{{{NS['x']}}}ol")
    assert [etree.QName(c).localname for c in ol] == ["li", "li"]  # nothing but items in the list
    assert ol[1][0].get("id") == "page-2" and ol[1][0].tail == "第二项六七八九十"
