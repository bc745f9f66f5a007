"""The EPUB package: EPUBCheck-clean, metadata, accessibility claims, fonts, reproducible zip."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from epub_helpers import NS, Epub, text_of
from huozi import build
from huozi.fonts import SERIF, find_font

EPOCH = 1590710400  # the SOURCE_DATE_EPOCH conftest builds with


@pytest.fixture(scope="module")
def epub(built) -> Epub:
    return Epub(built["epub"])


def test_metadata_comes_from_the_config_and_source_date_epoch(epub, config):
    book = config.book
    dc = lambda name: epub.opf.xpath(f"//dc:{name}", namespaces=NS)  # noqa: E731
    uid = epub.opf.get("unique-identifier")
    assert epub.opf.xpath(f"//dc:identifier[@id='{uid}']", namespaces=NS)[0].text == book.identifier
    titles = {t.text: t.get("id") for t in dc("title")}
    assert set(titles) == {book.title, book.subtitle}
    kinds = {m.get("refines"): m.text for m in epub.opf.xpath("//opf:meta[@property='title-type']", namespaces=NS)}
    assert kinds == {f"#{titles[book.title]}": "main", f"#{titles[book.subtitle]}": "subtitle"}
    creators = dc("creator")
    assert [c.text for c in creators] == list(book.creators)
    roles = {m.get("refines"): m.text for m in epub.opf.xpath("//opf:meta[@property='role']", namespaces=NS)}
    assert all(roles[f"#{c.get('id')}"] == "aut" for c in creators)
    assert [p.text for p in dc("publisher")] == [book.publisher]
    assert [lang.text for lang in dc("language")] == ["zh-CN"]
    modified = dt.datetime.fromtimestamp(EPOCH, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert epub.meta("dcterms:modified") == [modified]


def test_accessibility_metadata_is_complete_and_claims_no_conformance_unassessed(epub, config):
    assert set(epub.meta("schema:accessMode")) == {"textual", "visual"}
    assert epub.meta("schema:accessModeSufficient") == ["textual"]
    features = set(epub.meta("schema:accessibilityFeature"))
    assert {"alternativeText", "tableOfContents", "readingOrder", "printPageNumbers",
            "pageBreakMarkers"} <= features
    assert epub.meta("schema:accessibilityHazard") == ["none"]
    # No [epub] accessibility_assessed_by in book.toml: nobody assessed it, so no claim.
    assert config.epub.accessibility_assessed_by == ""
    assert epub.meta("dcterms:conformsTo") == [] and epub.meta("a11y:certifiedBy") == []


def test_the_summary_is_derived_from_the_book(epub):
    from huozi.epub.accessibility import BookFacts, summary

    text = epub.meta("schema:accessibilitySummary")[0]
    images = sum(len(epub.tree(h).xpath("//x:img | //*[@role='img']", namespaces=NS)) for h in epub.xhtml_hrefs())
    assert "简体中文（zh-CN）" in text and "印刷版页码" in text
    assert f"全部{images}幅图像" in text and "表格" not in text  # the book has no table
    other = summary(BookFacts("zh-TW", images=3, images_with_alt=2, tables=1, tables_with_headers=1, page_list=False))
    assert "繁体中文（zh-TW）" in other and "3幅图像中有1幅没有替代文字" in other
    assert "1个数据表格" in other and "印刷版页码" not in other


def test_conformance_is_claimed_when_book_toml_names_the_assessor(project_copy, tmp_path):
    toml = project_copy / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[epub]\naccessibility_assessed_by = "某某无障碍评估中心"\n',
                    encoding="utf-8")
    result = build(project_copy, tmp_path / "out", editions=["epub"], environ={"SOURCE_DATE_EPOCH": str(EPOCH)})
    epub = Epub(next(o.path for o in result.outputs if o.edition == "epub"))
    assert epub.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert epub.meta("a11y:certifiedBy") == ["某某无障碍评估中心"]


def test_a_blank_assessor_is_refused_with_its_line(project_copy):
    from huozi.config import load_config
    from huozi.errors import ConfigError

    toml = project_copy / "book.toml"
    text = toml.read_text(encoding="utf-8") + '\n[epub]\naccessibility_assessed_by = " "\n'
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(project_copy)
    assert caught.value.where.line == text.splitlines().index('accessibility_assessed_by = " "') + 1
    assert "accessibility_assessed_by" in caught.value.hint


def test_the_claims_behind_the_accessibility_metadata_hold(epub):
    """alternativeText, tableOfContents, readingOrder and language, checked in the documents."""
    for href in epub.xhtml_hrefs():
        root = epub.tree(href)
        assert root.get("lang") == "zh-CN" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN", href
        for img in root.xpath("//x:img", namespaces=NS):
            assert (img.get("alt") or "").strip(), f"{href}: <img> without alt text"
        for svg in root.xpath("//*[local-name()='svg']"):
            labelled = svg.get("aria-label") or svg.xpath("./*[local-name()='title']") or svg.get("role") == "img"
            assert labelled, f"{href}: <svg> without a text alternative"
        for element in root.xpath("//*[@role='img']"):
            assert (element.get("aria-label") or "").strip(), href
    nav = epub.tree(epub.nav_href())
    assert nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    assert {a.get(f"{{{NS['epub']}}}type") for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)} \
        >= {"cover", "titlepage", "toc", "bodymatter"}


def test_cover_is_generated_png_marked_as_cover_image(epub):
    covers = [i for i in epub.manifest().values() if "cover-image" in (i.get("properties") or "").split()]
    assert len(covers) == 1 and covers[0].get("media-type") == "image/png"
    from PIL import Image

    image = Image.open(io.BytesIO(epub.read(covers[0].get("href"))))
    assert image.format == "PNG" and image.height > image.width >= 1000
    first = epub.tree(epub.spine_hrefs()[0])
    assert first.xpath("//x:img/@alt", namespaces=NS), "the first spine item shows the cover"


def test_semantic_markup_for_preface_subtitle_byline_and_credit(epub):
    types = set()
    for href in epub.xhtml_hrefs():
        types.update(epub.tree(href).xpath("//@epub:type", namespaces=NS))
    assert {"preface", "subtitle", "z3998:author", "credit", "chapter", "titlepage", "cover"} <= types


def test_fonts_are_subsets_that_cover_every_character(epub):
    fonts = {i.get("href"): TTFont(io.BytesIO(epub.read(i.get("href"))))
             for i in epub.manifest().values() if i.get("media-type") == "font/otf"}
    families = {f["name"].getDebugName(1) for f in fonts.values()}
    assert {"Noto Serif CJK SC", "Noto Sans CJK SC"} <= families
    serif = next(f for f in fonts.values() if f["name"].getDebugName(1) == SERIF)
    cmap = serif.getBestCmap()
    used = set()
    for href in epub.xhtml_hrefs():
        used.update(c for c in text_of(epub.tree(href)) if not c.isspace())
    missing = sorted(c for c in used if ord(c) not in cmap)
    assert missing == []
    # A subset, not the whole face: far fewer glyphs than the installed font.
    installed = find_font(SERIF)
    from huozi.epub.fonts import open_face

    assert serif["maxp"].numGlyphs < open_face(installed)["maxp"].numGlyphs / 10
    css = epub.read("style/book.css").decode()
    for href in fonts:
        assert f'url("../{href}")' in css


def test_stylesheet_uses_relative_sizes_only(project_root):
    css = (project_root / "styles" / "epub" / "epub.css").read_text()
    for prop, value in re.findall(r"(font-size|line-height|width|margin[\w-]*|padding[\w-]*|text-indent)\s*:\s*([^;}]+)", css):
        assert not re.search(r"\d(px|pt|mm|cm|in)\b", value), f"{prop}: {value} is a fixed size"


def test_zip_is_reproducible_and_epub_alone_lays_out_print(built, tmp_path):
    """An EPUB-only build (print laid out anyway, not written) gives the same bytes as the full build."""
    result = build(Path(__file__).resolve().parents[1], tmp_path, editions=["epub"],
                   environ={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert [o.edition for o in result.outputs] == ["epub"]
    assert not list(tmp_path.glob("*.pdf"))  # the print layout is used, not written
    assert (tmp_path / built["epub"].name).read_bytes() == built["epub"].read_bytes()
    archive = zipfile.ZipFile(built["epub"])
    infos = archive.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"application/epub+zip"
    assert {i.date_time for i in infos} == {dt.datetime.fromtimestamp(EPOCH, dt.UTC).timetuple()[:6]}
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])


def test_embed_fonts_switch_turns_fonts_off(project_copy, tmp_path):
    toml = project_copy / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[epub]\nembed_fonts = false\n", encoding="utf-8")
    build(project_copy, tmp_path, editions=["epub"], environ={"SOURCE_DATE_EPOCH": str(EPOCH)})
    epub = Epub(tmp_path / "shanhai.epub")
    assert not [i for i in epub.manifest().values() if i.get("media-type", "").startswith("font/")]
    assert "@font-face" not in epub.read("style/book.css").decode()


def test_a_template_that_breaks_xhtml_is_named(project_copy, tmp_path):
    from huozi.errors import TemplateError

    template = project_copy / "styles" / "epub" / "title.xhtml.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("</section>", "<br></section>"),
                        encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        build(project_copy, tmp_path, editions=["epub"], environ={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert caught.value.where.path == template
    assert "not well-formed" in caught.value.message


def test_pagination_source_names_the_print_edition(epub, config, built):
    sources = epub.opf.xpath("//dc:source", namespaces=NS)
    assert [s.text for s in sources] == [f"{config.book.identifier}/print"]
    refines = epub.opf.xpath("//opf:meta[@property='source-of']", namespaces=NS)
    assert [(m.get("refines"), m.text) for m in refines] == [(f"#{sources[0].get('id')}", "pagination")]
    import pypdf

    assert str(pypdf.PdfReader(built["print"]).trailer["/ID"][0]) == sources[0].text


def test_the_cover_is_kept_in_the_cache_by_what_it_is_drawn_from(tmp_path):
    """Drawn once, read back while the title lines, the faces and Pillow are the same; any change
    of the title is a new drawing, never the old picture."""
    import dataclasses

    from huozi.config import BookMeta
    from huozi.epub.cover import cover_png, draw_cover
    from huozi.fonts import SANS, SERIF

    book = BookMeta(title="山海", slug="shanhai", identifier="urn:uuid:0", subtitle="协作纪事", creators=("某甲",),
                    publisher="出版社")
    first = cover_png(book, SERIF, SANS, tmp_path)
    assert first == draw_cover(book, SERIF, SANS) and len(list(tmp_path.glob("*.png"))) == 1
    (entry,) = tmp_path.glob("*.png")
    entry.write_bytes(entry.read_bytes()[:100])                  # an interrupted write: a miss, drawn again
    assert cover_png(book, SERIF, SANS, tmp_path) == first
    retitled = dataclasses.replace(book, title="海山")
    assert cover_png(retitled, SERIF, SANS, tmp_path) == draw_cover(retitled, SERIF, SANS) != first
    assert len(list(tmp_path.glob("*.png"))) == 1                 # the older entry replaced
