"""Footnotes and images (issue 13) in every edition of a small book built once (notes_images_book)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pdfplumber
import pikepdf
import pytest
from lxml import etree

from epub_helpers import NS, Epub, text_of
from huozi import build
from huozi.checks.base import check_outputs
from huozi.checks.pdf_colour import rgb_uses
from huozi.config import load_config
from huozi.errors import FigureError, ManuscriptError
from huozi.figures.images import load_images
from huozi.figures.render import _placements, image_labels
from huozi.manuscript import parse_manuscript
from huozi.manuscript.parse import parse_article
from notes_images_book import KEYS, LIST_ITEM, LONG, ONE, TWELVE, TWO, photo_jpeg, write_book

ENV = {"SOURCE_DATE_EPOCH": "1700000000"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[Path, dict[str, Path], object]:
    root = write_book(tmp_path_factory.mktemp("notes") / "book")
    result = build(root, root / "dist", environ=ENV)
    return root, {o.edition: o.path for o in result.outputs}, result


def _page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [re.sub(r"\s+", "", page.extract_text() or "") for page in pdf.pages]


def _page_of(texts: list[str], needle: str) -> int:
    pages = [n for n, text in enumerate(texts) if needle in text]
    assert pages, f"{needle} is on no page"
    return pages[0]


@pytest.mark.parametrize("edition", ["print", "handout"])
def test_every_note_sits_on_its_calls_page(book, edition):
    texts = _page_texts(book[1][edition])
    for key in [ONE, TWO, LIST_ITEM, LONG, *TWELVE]:
        assert _page_of(texts, f"正文{key}") == _page_of(texts, f"注文{key}"), key


@pytest.mark.parametrize("edition", ["print", "handout"])
def test_twelve_notes_on_one_page_are_numbered_from_one(book, edition):
    texts = _page_texts(book[1][edition])
    page = _page_of(texts, f"正文{TWELVE[0]}")
    assert all(_page_of(texts, f"注文{k}") == page for k in TWELVE)
    notes = texts[page]
    marks = [notes[notes.index(f"注文{k}") - 1] for k in TWELVE]
    first = CIRCLED.index(marks[0])
    assert marks == list(CIRCLED[first:first + 12])  # consecutive, restarting on this page
    assert first <= 1  # at most the list's note comes first on the page


def test_the_multi_paragraph_note_keeps_its_paragraphs(book):
    texts = _page_texts(book[1]["print"])
    page = texts[_page_of(texts, f"注文{TWO}")]
    assert f"注文{TWO}：第一段。" in page and f"注文{TWO}的第二段" in page
    with pdfplumber.open(book[1]["print"]) as pdf:
        words = pdf.pages[_page_of(texts, f"注文{TWO}")].extract_words()
    first = next(w for w in words if f"注文{TWO}：" in w["text"])
    second = next(w for w in words if f"注文{TWO}的" in w["text"])
    assert second["top"] > first["top"] + 5 and second["x0"] > first["x0"] + 10  # a new, indented line


def test_a_note_too_long_for_its_page_continues_on_the_next(book):
    texts = _page_texts(book[1]["print"])
    start = _page_of(texts, f"注文{LONG}")
    assert _page_of(texts, f"正文{LONG}") == start
    assert _page_of(texts, f"注尾{LONG}") > start


def test_a_call_never_starts_a_line(book):
    """Each call mark (a small circled number in the text) has a text glyph right before it."""
    with pdfplumber.open(book[1]["print"]) as pdf:
        for page in pdf.pages:
            chars = page.chars
            body = [c for c in chars if c["size"] > 9.5]
            for call in (c for c in chars if c["text"] in CIRCLED and c["size"] < 8):
                before = [c for c in body if abs(c["x1"] - call["x0"]) < 3 and c["top"] - 4 < call["top"] < c["bottom"]]
                assert before, f"page {page.page_number}: call {call['text']} starts a line"


def test_the_call_keeps_left_of_a_final_full_stop(tmp_path):
    path = tmp_path / "01-a.md"
    path.write_text("---\ntitle: 甲\n---\n\n这一句说完了。[^1]\n\n[^1]: 注。\n", encoding="utf-8")
    inlines = parse_article(path).paragraphs[0].inlines
    assert [i.kind for i in inlines] == ["text", "note", "text"] and inlines[-1].text == "。"


def test_print_pdf_has_no_rgb_and_images_are_cmyk(book):
    path = book[1]["print"]
    assert rgb_uses(path) == []
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    images = [(int(r[3]), int(r[4]), r[5]) for r in rows if r[2] == "image"]
    assert (2000, 1300, "cmyk") in images and (600, 400, "cmyk") in images
    assert any(r[2] == "smask" and int(r[3]) == 600 for r in rows)  # the PNG keeps its transparency


def test_handout_keeps_srgb_images(book):
    listing = subprocess.run(["pdfimages", "-list", str(book[1]["handout"])], capture_output=True, text=True,
                             check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert {(int(r[3]), int(r[4]), r[5]) for r in rows if r[2] == "image"} >= {(2000, 1300, "rgb"), (600, 400, "rgb")}


@pytest.mark.parametrize("edition", ["print", "handout"])
def test_svg_labels_are_text_and_figures_share_one_numbering(book, edition):
    text = "".join(_page_texts(book[1][edition]))
    assert "矢量标注汉字" in text and "东部" in text
    assert "图1一张2000×1300像素的照片" in text and "图2透明背景" in text and "图3示意图" in text
    assert "如图1所示" in text and "图2有透明的背景，图3是矢量图" in text


def test_images_never_exceed_the_text_block(book):
    """Within the 106 mm measure (140 mm trim less 15 + 19 mm margins) and the 125 mm height cap."""
    mm = 72 / 25.4
    with pikepdf.open(book[1]["print"]) as pdf:
        trims = [[float(v) for v in page.obj.TrimBox] for page in pdf.pages]
    with pdfplumber.open(book[1]["print"]) as pdf:
        placed = 0
        for page, trim in zip(pdf.pages, trims):
            for image in page.images:
                placed += 1
                assert image["x1"] - image["x0"] <= 106 * mm + 0.5, image
                assert image["x0"] >= trim[0] + 15 * mm - 0.5 and image["x1"] <= trim[2] - 15 * mm + 0.5
                assert image["bottom"] - image["top"] <= 125 * mm + 0.5
        assert placed >= 2


def test_handout_tags_notes_and_figures(book):
    with pikepdf.open(book[1]["handout"]) as pdf:
        notes, figures = [], []

        def walk(element, parent):
            if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
                return
            if element.S == "/Note":
                notes.append((element, parent))
            if element.S == "/Figure":
                figures.append(element)
            kids = element.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                walk(kid, element)

        walk(pdf.Root.StructTreeRoot.K[0], None)
        assert len(notes) == 4 + 12
        for note, parent in notes:
            assert str(note.ID).startswith("fn-")
            siblings = list(parent.K)
            index = next(i for i, k in enumerate(siblings) if k.objgen == note.objgen)
            assert siblings[index - 1].S == "/Link"  # the call, right before its note
        assert len(figures) >= 2 and all(str(f.get("/Alt", "")) for f in figures)


def test_validators_pass_on_the_book(book):
    root, outputs, _ = book
    findings = [f for f in check_outputs(load_config(root), outputs) if f.level != "note"]
    assert findings == []  # EPUBCheck, Ace, pdfua, tags, colour, fonts, images, typography


def test_epub_notes_are_noterefs_and_asides_in_the_same_file(book):
    epub = Epub(book[1]["epub"])
    href = next(h for h in epub.xhtml_hrefs() if "chapter-notes" in h)
    tree = epub.tree(href)
    refs = tree.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    asides = tree.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)
    assert len(refs) == len(asides) == 16
    for ref in refs:
        assert ref.get("role") == "doc-noteref"
        aside = tree.xpath(f"//x:aside[@id='{ref.get('href')[1:]}']", namespaces=NS)[0]
        assert aside.get("role") == "doc-footnote"
        back = aside.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)[0]
        assert back.get("href") == f"#{ref.get('id')}" and text_of(back) == text_of(ref)
    two = next(a for a in asides if f"注文{TWO}" in text_of(a))
    assert len(two.xpath("x:p", namespaces=NS)) == 2


def test_epub_images_are_files_in_the_manifest(book):
    epub = Epub(book[1]["epub"])
    items = {i.get("href"): i.get("media-type") for i in epub.manifest().values()}
    images = {h: t for h, t in items.items() if h.startswith("images/") and "cover" not in h}
    assert sorted(images.values()) == ["image/jpeg", "image/png", "image/svg+xml"]
    jpeg = next(h for h, t in images.items() if t == "image/jpeg")
    assert epub.read(jpeg) == photo_jpeg()  # not re-encoded
    tree = epub.tree(next(h for h in epub.xhtml_hrefs() if "chapter-images" in h))
    figures = tree.xpath("//x:figure[@class='image']", namespaces=NS)
    assert len(figures) == 3
    for figure in figures:
        img = figure.xpath("x:img", namespaces=NS)[0]
        assert img.get("alt") and img.get("src").removeprefix("../") in images
        assert text_of(figure.xpath("x:figcaption", namespaces=NS)[0]).startswith("图")
    assert "alternativeText" in epub.meta("schema:accessibilityFeature")


def test_low_resolution_image_is_a_warning_and_fails_strict_check(tmp_path):
    root = write_book(tmp_path / "book", lowres=True)
    (root / "manuscript" / "01-notes.md").write_text("---\ntitle: 短\n---\n\n正文。\n", encoding="utf-8")
    result = build(root, root / "dist", ["print"], environ=ENV)
    warnings = [str(w) for w in result.warnings if "ppi" in w.message]
    assert len(warnings) == 1 and "lowres.png" in warnings[0] and "150 ppi" in warnings[0]
    line = (root / "manuscript" / "02-images.md").read_text(encoding="utf-8").splitlines().index(
        "![分辨率不足的图](images/lowres.png){#fig-lowres width=100%}") + 1
    assert f"02-images.md:{line}" in warnings[0]
    findings = [f for f in check_outputs(load_config(root), {"print": result.outputs[0].path})
                if f.check == "images"]
    assert [f.level for f in findings] == ["warning"] and "150 ppi" in findings[0].message
    assert str(findings[0].where).endswith(f"02-images.md:{line}")


def test_missing_alt_text_is_a_warning(tmp_path):
    root = write_book(tmp_path / "book")
    path = root / "manuscript" / "02-images.md"
    path.write_text(path.read_text(encoding="utf-8").replace("![透明背景上的红色圆形标志]", "![]"), encoding="utf-8")
    images = load_images(load_config(root), parse_manuscript(root / "manuscript"))
    assert len(images.warnings) == 1 and "no alternative text" in images.warnings[0].message
    assert str(images.warnings[0].where).endswith("02-images.md:11")


def _bad_image(tmp_path: Path, name: str, data: bytes | str, markdown: str | None = None) -> ManuscriptError:
    root = write_book(tmp_path / "book")
    target = root / "manuscript" / "images" / name
    if isinstance(data, str):
        target.write_text(data, encoding="utf-8")
    else:
        target.write_bytes(data)
    path = root / "manuscript" / "02-images.md"
    path.write_text(path.read_text(encoding="utf-8") + (markdown or f"\n![坏图](images/{name})\n"), encoding="utf-8")
    with pytest.raises(ManuscriptError) as caught:
        load_images(load_config(root), parse_manuscript(root / "manuscript"))
    line = path.read_text(encoding="utf-8").splitlines().index(next(
        x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("![坏图]"))) + 1
    assert caught.value.where.path == path and caught.value.where.line == line and caught.value.hint
    return caught.value


@pytest.mark.parametrize("name,data,expected", [
    ("cut.jpg", photo_jpeg()[:5000], "cannot use the image"),
    ("text.png", "这不是图片", "is not a PNG, JPEG or SVG file"),
    ("script.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
    ("handler.svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>', "event handler"),
    ("link.svg", '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                 '<image xlink:href="file:///etc/passwd"/></svg>', "refers to another file"),
    ("laughs.svg", '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                   '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "DOCTYPE"),
])
def test_bad_images_are_errors_at_their_line(tmp_path, name, data, expected):
    assert expected in _bad_image(tmp_path, name, data).message


def test_missing_image_web_image_and_symlink_out_are_errors(tmp_path):
    assert "does not exist" in _bad_image(tmp_path / "a", "x.png", b"", "\n![坏图](images/nothing.png)\n").message
    error = _bad_image(tmp_path / "b", "x.png", b"", "\n![坏图](https://example.org/x.png)\n")
    assert "does not use the network" in error.message and "allow_hosts" in error.hint
    outside = tmp_path / "outside.png"
    outside.write_bytes(photo_jpeg())
    root = tmp_path / "c"
    write_book(root)
    (root / "manuscript" / "images" / "out.jpg").symlink_to(outside)
    path = root / "manuscript" / "02-images.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n![坏图](images/out.jpg)\n", encoding="utf-8")
    with pytest.raises(ManuscriptError, match="outside the project folder"):
        load_images(load_config(root), parse_manuscript(root / "manuscript"))


def test_images_and_data_figures_share_one_sequence(tmp_path):
    path = tmp_path / "01-a.md"
    path.write_text("---\ntitle: 甲\n---\n\n![照片](a.png){#fig-a}\n\n::: figure chart\n:::\n\n![图](b.png)\n",
                    encoding="utf-8")
    manuscript = SimpleNamespace(articles=(parse_article(path),))
    labels = image_labels(manuscript)
    assert list(labels.values()) == ["图1", "图3"]
    spec = SimpleNamespace(id="chart", number=2, label="图2", path=tmp_path / "chart.toml")
    assert _placements(manuscript, {"chart": spec}) == ("chart",)
    spec.path.write_text("number = 1\n", encoding="utf-8")
    wrong = SimpleNamespace(id="chart", number=1, label="图1", path=spec.path)
    with pytest.raises(FigureError, match="should be 图2"):
        _placements(manuscript, {"chart": wrong})


@pytest.mark.parametrize("numbering,expected", [("article", "1"), ("page", "①")])
def test_note_numbering_is_configurable(tmp_path, numbering, expected):
    root = write_book(tmp_path / "book")
    (root / "book.toml").write_text((root / "book.toml").read_text(encoding="utf-8")
                                    + f'\n[footnotes]\nnumbering = "{numbering}"\n', encoding="utf-8")
    (root / "manuscript" / "01-notes.md").write_text(
        "---\ntitle: 短\n---\n\n" + "".join(f"正文{k}^[注文{k}。]，" for k in KEYS[:12]) + "完。\n", encoding="utf-8")
    (root / "manuscript" / "02-images.md").unlink()
    shutil.rmtree(root / "manuscript" / "images")
    result = build(root, root / "dist", ["handout", "epub"], environ=ENV)
    texts = _page_texts(next(o.path for o in result.outputs if o.edition == "handout"))
    page = texts[_page_of(texts, f"注文{KEYS[11]}")]
    last = "12" if numbering == "article" else "⑫"
    assert f"{last}注文{KEYS[11]}" in page and f"{expected}注文{KEYS[0]}" in page
    epub = Epub(next(o.path for o in result.outputs if o.edition == "epub"))
    refs = epub.tree(next(h for h in epub.xhtml_hrefs() if "chapter-" in h)).xpath(
        "//x:a[@epub:type='noteref']", namespaces=NS)
    assert text_of(refs[0]) == expected and text_of(refs[-1]) == last


def test_a_note_without_definition_and_a_second_call_are_refused(tmp_path):
    path = tmp_path / "01-a.md"
    path.write_text("---\ntitle: 甲\n---\n\n一[^a]二[^a]。\n\n[^a]: 注。\n", encoding="utf-8")
    with pytest.raises(ManuscriptError, match="called a second time") as caught:
        parse_article(path)
    assert caught.value.where.line == 5
    path.write_text("---\ntitle: 甲\n---\n\n正文[^a]。\n\n[^a]: 注。\n\n    > 引用\n", encoding="utf-8")
    with pytest.raises(ManuscriptError, match="holds paragraphs only"):
        parse_article(path)


def test_footnote_text_is_checked_for_links(tmp_path):
    path = tmp_path / "manuscript" / "01-a.md"
    path.parent.mkdir()
    (tmp_path / "book.toml").write_text(
        '[book]\ntitle = "t"\nslug = "t"\nidentifier = "urn:x:1"\n', encoding="utf-8")
    path.write_text("---\ntitle: 甲\n---\n\n正文^[见@sec-nowhere。]。\n", encoding="utf-8")
    from huozi.layout.links import check_links

    with pytest.raises(ManuscriptError, match="sec-nowhere"):
        check_links(parse_manuscript(path.parent), {})


def test_pages_and_epub_page_list_ignore_notes(book):
    epub = Epub(book[1]["epub"])
    nav = epub.tree(epub.nav_href())
    pages = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    with pikepdf.open(book[1]["print"]) as pdf:
        assert len(pages) >= len(pdf.pages) - 4  # every body page found in the EPUB's text
    assert etree.tostring(nav)  # well-formed
