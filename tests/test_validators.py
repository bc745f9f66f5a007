"""Third-party validators and our own PDF/UA structure checks on the real book (issue 14).

DAISY Ace and headless Chromium are installed by scripts/bootstrap.sh (Debian's chromium, Ace
in .tools/ace); a missing one fails here with the install command, never skips.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from epub_helpers import NS, Epub
from huozi import build
from huozi.checks.pdf_colour import rgb_uses
from huozi.checks.pdf_tags import tag_findings, walk
from huozi.checks.validators import ACE_INSTALL, ace_report, ace_violations, find_ace, find_chromium, run_pdfua

ROOT = Path(__file__).resolve().parents[1]


def _ace_and_chromium() -> tuple[Path, str]:
    ace, chromium = find_ace(ROOT), find_chromium()
    assert ace is not None and chromium is not None, f"install DAISY Ace and Chromium: {ACE_INSTALL}"
    return ace, chromium


@pytest.fixture(scope="session")
def ace_book(built) -> dict:
    """One Ace run on the book's EPUB, shared by the tests that read its report."""
    return ace_report(built["epub"], *_ace_and_chromium())


def test_ace_reports_no_violation_on_the_book(ace_book):
    assert ace_violations(ace_book) == []
    assert ace_book["earl:result"]["earl:outcome"] == "pass"


def test_ace_reads_the_accessibility_metadata_we_wrote(ace_book, built):
    """Ace parsed the package: the summary it shows is ours, so it did look at this EPUB."""
    ours = Epub(built["epub"]).meta("schema:accessibilitySummary")
    assert ace_book["a11y-metadata"]["present"] and ours
    assert ours[0] in json.dumps(ace_book, ensure_ascii=False)


def test_opf_package_declares_its_language(built, config):
    """Ace's epub-lang (serious): <package xml:lang> was missing."""
    epub = Epub(built["epub"])
    assert epub.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == config.book.language


# --- fonts: no tofu with every system CJK font hidden -------------------------------------------

def _node_modules(ace: Path) -> Path:
    """The node_modules folder Ace was installed in: it has Puppeteer too."""
    for folder in [ace, *ace.parents, *ace.resolve().parents]:
        if folder.name == "node_modules" and (folder / "puppeteer").is_dir():
            return folder
    raise AssertionError(f"no Puppeteer next to {ace}: {ACE_INSTALL}")


@pytest.fixture(scope="session")
def chromium_fonts(built, tmp_path_factory) -> tuple[dict, Path]:
    """The title page and the first article in headless Chromium with only DejaVu installed:
    for each element, the platform fonts that drew its text; and the screenshots."""
    ace, chromium = _ace_and_chromium()
    folder = tmp_path_factory.mktemp("epub-unzipped")
    with zipfile.ZipFile(built["epub"]) as archive:
        archive.extractall(folder)
    epub = Epub(built["epub"])
    pages = [folder / epub.base / "text/title.xhtml", folder / epub.base / epub.spine_hrefs()[3]]
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{folder}/fc-cache</cachedir></fontconfig>')
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PUPPETEER_EXECUTABLE_PATH": chromium,
           "NODE_PATH": str(_node_modules(ace)), "HOME": str(folder)}
    proc = subprocess.run(["node", str(ROOT / "tests/browser/fonts.cjs"), str(folder), *map(str, pages)],
                          capture_output=True, text=True, env=env, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), folder


def test_chromium_without_system_cjk_fonts_draws_everything_with_the_embedded_faces(chromium_fonts):
    result, folder = chromium_fonts
    assert len(result) == 2
    for page, nodes in result.items():
        assert nodes, page
        fallback = [(n["html"][:80], f["familyName"]) for n in nodes for f in n["fonts"] if not f["isCustomFont"]]
        assert fallback == [], f"{page}: text drawn with a system font (tofu or a fallback space)"
        assert (folder / (Path(page).name + ".png")).stat().st_size > 5000  # a page was drawn


def test_subsets_hold_every_character_set_in_them_including_spaces(built):
    """U+3000 between the creators on the title page, U+0020 in bylines: in the subsets' cmaps."""
    epub = Epub(built["epub"])
    cmaps = {}
    for item in epub.manifest().values():
        if item.get("media-type") == "font/otf":
            cmaps[item.get("href").rsplit("/", 1)[-1]] = TTFont(io.BytesIO(epub.read(item.get("href")))).getBestCmap()
    title = epub.tree("text/title.xhtml")
    creators = "".join(title.xpath("//x:p[@class='book-creators']//text()", namespaces=NS))
    assert "\u3000" in creators
    for char in creators:
        assert ord(char) in cmaps["NotoSansCJKsc-Regular.otf"], hex(ord(char))
    for name, cmap in cmaps.items():
        assert 0x20 in cmap, name
    for href in epub.xhtml_hrefs():
        text = "".join(epub.tree(href).xpath("//x:body//text()", namespaces=NS))
        for char in set(text) - set("\n\t\r"):
            assert ord(char) in cmaps["NotoSerifCJKsc-Regular.otf"], (href, hex(ord(char)))


# --- the handout's structure -----------------------------------------------------------------

def test_pdfua_finds_nothing_on_the_handout(built):
    findings = run_pdfua(None, built["handout"])
    failures = [str(f) for f in findings if f.level != "note"]
    assert failures == []
    # pdfua 0.1.3 cannot evaluate its empty-heading rule on pikepdf 10 (a bug of its own);
    # our tag check below covers empty headings. Any other rule it skips is a failure.
    skipped = [f.message.split()[0] for f in findings if f.level == "note"]
    assert set(skipped) <= {"UA-14-001"}


def test_our_structure_checks_pass_on_the_handout(built):
    assert [str(f) for f in tag_findings(built["handout"])] == []


def test_the_tag_checks_find_what_weasyprint_alone_writes(project_copy, tmp_path, monkeypatch):
    """Without huozi's repair of the tree, the checks report each finding of issue 14."""
    import huozi.pdf.structure as structure

    monkeypatch.setattr(structure, "restructure", lambda document, pdf: {})
    result = build(project_copy, tmp_path / "out", editions=["handout"], jobs=1,
                   environ={"SOURCE_DATE_EPOCH": "1590710400"})
    messages = [f.message for f in tag_findings(result.outputs[0].path)]
    for expected in ("Link nested in a Link", "Caption nested in a Caption",
                     "a link annotation held by a /Span, not a Link",
                     "overlapping link annotations to the same target", "the ParentTree array of page"):
        assert any(m.startswith(expected) for m in messages), (expected, messages)


def test_structure_follows_the_document_not_the_pages(built, manuscript):
    """One Art per article, one Sect per section, one P per paragraph even across a page."""
    with pikepdf.open(built["handout"]) as pdf:
        elements = list(walk(pdf))
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}

        def pages_of(obj) -> set[int]:
            found = set()
            for kid in obj.get("/K", []):
                if isinstance(kid, pikepdf.Dictionary):
                    if kid.get("/Type") == "/MCR" or "/S" in kid:
                        found.add(pages[kid.Pg.objgen])
                    if "/S" in kid:
                        found |= pages_of(kid)
            return found

        arts = [e for e in elements if e.role == "/Art"]
        assert len(arts) == len(manuscript.articles)
        sects = [e for e in elements if e.role == "/Sect"]
        assert len(sects) == sum(len(a.sections) for a in manuscript.articles)
        paragraphs = [e for e in elements if e.role == "/P" and e.parent_role == "/Sect"]
        # Each body paragraph, and each section's subheading (set as a <p class="subheading">).
        body = sum(len(a.paragraphs) + sum(1 for s in a.sections if s.subheading) for a in manuscript.articles)
        assert len(paragraphs) == body
        assert any(len(pages_of(p.obj)) > 1 for p in paragraphs), "no paragraph crosses a page?"
        assert any(len(pages_of(a.obj)) > 1 for a in arts)


def test_contents_entries_are_one_link_each_with_leaders_as_artifacts(built):
    """PDF/UA-1 7.18.5: one Link annotation per entry, parented to a Link; the dots not read out."""
    import pdfplumber

    with pikepdf.open(built["handout"]) as pdf:
        links = [a for a in pdf.pages[0].Annots if a.Subtype == "/Link"]
        targets = [str(a.Dest) for a in links]
        assert len(targets) == len(set(targets)) >= 2
    with pdfplumber.open(built["handout"]) as doc:
        dots = [c for c in doc.pages[0].chars if c["text"] == "·"]
    assert len(dots) > 20  # the leaders are drawn ...
    assert {c.get("tag") for c in dots} == {"Artifact"}  # ... as artifacts, outside the tags
    assert all(c.get("mcid") is None for c in dots)


# --- the press edition: no RGB at all -----------------------------------------------------------

def test_print_edition_of_a_book_with_links_and_colour_holds_no_rgb(project_copy, tmp_path):
    article = next((project_copy / "manuscript").glob("*.md"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text + "\n参见[国务院扶贫办](https://www.cpad.gov.cn/)和[前文](#shanhai)。\n", encoding="utf-8")
    (project_copy / "styles" / "print.css").open("a").write("\nh2 { color: #c03020; }\n")
    out = tmp_path / "out"
    build(project_copy, out, editions=["print"], environ={"SOURCE_DATE_EPOCH": "1590710400"})
    pdf = next(out.glob("*-print.pdf"))
    assert rgb_uses(pdf) == []
    with pikepdf.open(pdf) as doc:
        ops = {str(op) for page in doc.pages for _, op in pikepdf.parse_content_stream(page)}
    assert "k" in ops  # the red heading became CMYK, not dropped


# --- huozi check: Ace's findings where the author can fix them ------------------------------------

def _report(*violations: tuple[str, str, str, str]) -> dict:
    """An Ace report.json holding these (document, rule, impact, html) failures, as Ace 1.4.6 writes it."""
    return {"assertions": [{"earl:testSubject": {"url": url}, "assertions": [
        {"earl:test": {"dct:title": rule, "earl:impact": impact, "dct:description": "d"},
         "earl:result": {"earl:outcome": "fail", "dct:description": f"{rule} failed", "html": html}}]}
        for url, rule, impact, html in violations]}


def test_ace_findings_point_at_the_manuscript_line_or_book_toml(built, config, manuscript):
    from huozi.checks.validators import ace_findings
    from huozi.epub.assemble import chapter_file

    article = manuscript.articles[0]
    paragraph = article.paragraphs[0]
    report = _report(
        ("EPUB/content.opf", "epub-lang", "serious", ""),
        (chapter_file(article.slug), "color-contrast", "moderate", f'<p data-line="{paragraph.line}">…</p>'),
        (chapter_file(article.slug), "region", "minor", "<div>…</div>"),
    )
    lang, contrast, region = ace_findings(config, built["epub"], report)
    assert (lang.level, str(lang.where)) == ("error", str(config.path))
    assert (contrast.level, str(contrast.where)) == ("warning", f"{config.manuscript_dir / article.path.name}:{paragraph.line}")
    assert str(region.where) == str(config.manuscript_dir / article.path.name)
    assert str(lang).endswith("error: [ace] epub-lang (serious): epub-lang failed")


def test_check_says_how_to_install_a_missing_validator(built, config, monkeypatch):
    from huozi.checks import validators

    monkeypatch.setenv("HUOZI_ACE", "/nonexistent/ace")
    [note] = validators.run_ace(config, built["epub"])
    assert note.level == "note" and validators.ACE_INSTALL in note.message
    monkeypatch.setitem(__import__("sys").modules, "pdfua", None)  # as if not installed
    [note] = validators.run_pdfua(config, built["handout"])
    assert note.level == "note" and "pip install pdfua" in note.message
