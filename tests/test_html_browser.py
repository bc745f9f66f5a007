"""The html edition in a real browser: Debian's Chromium, headless, with every system CJK font
hidden (fontconfig sees only DejaVu), loads every page of two books at 360 px and 1280 px and
reports what it drew (tests/browser/site.cjs, one browser session for all pages).

The pages must show the manuscript's text, draw every character with the site's web fonts,
overflow neither width, give axe-core nothing to report, and set the notes beside the text on
the wide screen and under their block on the narrow one. The screenshots are kept in the
module's temporary folder (site-shots) for a person to look at.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from html_book import write_book
from huozi import build
from huozi.checks.html_axe import run_axe
from huozi.checks.validators import find_ace, find_chromium
from huozi.config import load_config
from huozi.errors import SourceLocation
from huozi.html.assemble import html_page
from huozi.manuscript import parse_manuscript
from huozi.manuscript.model import Paragraph, block_inlines, plain_text

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (360, 1280)
AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
INSTALL = "bash scripts/bootstrap.sh --no-build (Chromium, DAISY Ace's Puppeteer, axe-core in .tools/axe)"


def _node_modules() -> Path:
    """Puppeteer, from the node_modules DAISY Ace was installed in."""
    ace = find_ace(ROOT)
    assert ace is not None and find_chromium() is not None and AXE.is_file(), INSTALL
    return next(f for f in [ace, *ace.parents] if f.name == "node_modules" and (f / "puppeteer").is_dir())


@pytest.fixture(scope="module")
def report_site(tmp_path_factory) -> tuple[Path, Path]:
    """The county report and its web article (notes, a wide table, an image): the html edition
    alone, without print page numbers (those are the real book's)."""
    project = write_book(tmp_path_factory.mktemp("web") / "book")
    with (project / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[html]\npage_numbers = false\n")
    result = build(project, project / "dist", editions=["html"], environ={"SOURCE_DATE_EPOCH": "1590710400"})
    return project, result.outputs[0].path


@pytest.fixture(scope="module")
def browser(built, report_site, tmp_path_factory) -> tuple[dict, dict[str, tuple[str, Path]]]:
    """What Chromium drew, by page URL and width; and each URL's (book, page file)."""
    folder = tmp_path_factory.mktemp("site-shots")
    pages: dict[str, tuple[str, Path]] = {}
    for book, site in (("shanhai", built["html"]), ("report", report_site[1])):
        for page in sorted(site.glob("*.html")):
            pages[page.as_uri()] = (book, page)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{folder}/fc-cache</cachedir></fontconfig>')
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PUPPETEER_EXECUTABLE_PATH": find_chromium() or "",
           "NODE_PATH": str(_node_modules()), "HOME": str(folder)}
    command = ["node", str(ROOT / "tests/browser/site.cjs"), str(folder), str(AXE), ",".join(map(str, WIDTHS)),
               *pages]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout), pages


def _each(browser):
    result, pages = browser
    assert len(result) == len(pages) >= 9
    for url, widths in result.items():
        for width in WIDTHS:
            yield pages[url], width, widths[str(width)]


def test_every_character_is_drawn_with_the_web_fonts(browser):
    for (_, page), width, seen in _each(browser):
        assert seen["drawn"] > 0, page
        assert seen["fallback"] == [], f"{page.name} at {width} px: drawn with a system font"
        assert any(face.startswith("Noto Serif CJK SC") for face in seen["fontsUsed"])


def test_nothing_overflows_the_viewport(browser):
    for (_, page), width, seen in _each(browser):
        overflow = seen["overflow"]
        assert overflow["clientWidth"] == width and overflow["scrollWidth"] <= width, (page.name, overflow)
        assert overflow["elements"] == [], (page.name, width)


def test_axe_core_finds_no_violation(browser):
    for (_, page), width, seen in _each(browser):
        assert seen["axe"]["violations"] == [], (page.name, width)
        assert seen["axe"]["passes"] > 20


def test_the_pages_need_no_script(browser):
    for _, _, seen in _each(browser):
        assert seen["scripts"] == 0


def _pieces(inlines) -> list[str]:
    """The text of runs as the manuscript has it, cut where a cross-reference prints its label
    (@sec-id: 2.1节), which the manuscript does not hold."""
    pieces = [""]
    for run in inlines:
        if run.kind == "xref":
            pieces.append("")
        elif run.kind != "note":
            inner = _pieces(run.children)
            pieces[-1] += run.plain if run.kind in ("text", "code", "break") else inner[0]
            pieces.extend(inner[1:])
    return pieces


def _paragraphs(manuscript) -> dict[tuple[str, int], list[str]]:
    """(article page, line) -> text of every paragraph of the book (nested ones included), in
    pieces between cross-references."""
    found = {}
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, Paragraph):
                found[(html_page(article), block.line)] = _pieces(block.inlines)
    return found


def _in_order(text: str, pieces: list[str]) -> bool:
    at = 0
    for piece in pieces:
        at = text.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


def test_the_text_in_the_browser_is_the_manuscripts(browser, manuscript, report_site):
    books = {"shanhai": parse_manuscript(ROOT / "manuscript"),
             "report": parse_manuscript(report_site[0] / "manuscript")}
    expected = {book: _paragraphs(m) for book, m in books.items()}
    compared = 0
    for (book, page), width, seen in _each(browser):
        blocks = seen["texts"]["blocks"]
        for block in blocks:
            key = (page.name, int(block["line"]))
            if block["tag"] == "p" and not block["cls"] and key in expected[book]:
                pieces = expected[book][key]
                if len(pieces) == 1:
                    assert block["text"] == pieces[0], key
                else:  # the labels of its cross-references between the manuscript's words
                    assert block["text"].startswith(pieces[0]) and block["text"].endswith(pieces[-1])
                    assert _in_order(block["text"], pieces), key
                compared += 1
        # Everything else the author wrote is on the page too: titles, captions, cells, notes.
        article = next((a for a in books[book].articles if html_page(a) == page.name), None)
        if article is None:
            continue
        shown = "".join(seen["texts"]["main"].split())
        assert "".join(article.title.split()) in shown
        for block in article.walk():
            for inlines in block_inlines(block):
                pieces = ["".join(piece.split()) for piece in _pieces(inlines)]
                assert _in_order(shown, pieces), (page.name, width, plain_text(inlines))
        for note in article.notes:
            for paragraph in note.blocks:
                assert "".join(paragraph.text.split()) in shown
    assert compared > 100


def test_notes_stand_beside_the_text_when_there_is_room_and_under_it_when_not(browser):
    noted = 0
    for _, width, seen in _each(browser):
        placed = seen["placed"]
        for note in placed["notes"]:
            noted += 1
            if width == 1280:  # the margin to the right of the column, from the line of the call on
                assert note["left"] >= placed["text"]["right"] and note["top"] >= note["call"]["top"] - 1
            else:  # under the block, inside the column
                assert placed["text"]["left"] <= note["left"] < note["right"] <= placed["text"]["right"] + 0.5
                assert note["top"] > note["call"]["top"]
    assert noted >= 8


def test_print_page_numbers_show_in_the_wide_margin_only(browser):
    numbered = 0
    for (_, page), width, seen in _each(browser):
        for number in seen["placed"]["numbers"]:
            numbered += 1
            assert number["shown"] == (width == 1280) or not number["shown"]
            if number["shown"]:
                assert number["left"] < 0  # left of the text column
        shown = [n for n in seen["placed"]["numbers"] if n["shown"]]
        if width == 1280 and seen["placed"]["numbers"]:
            assert shown, page.name
    assert numbered > 20


def test_screenshots_at_both_widths(browser):
    for _, width, seen in _each(browser):
        shot = Path(seen["screenshot"])
        with Image.open(shot) as image:
            assert image.width == width and image.height >= 600
            assert len(image.convert("L").getcolors(1 << 16) or ()) > 16  # not blank


def test_huozi_check_runs_axe_core_on_the_site_and_names_the_manuscript_line(report_site, tmp_path):
    """`huozi check`'s axe check (checks/html_axe.py) finds nothing on the report's site; on a copy
    whose image lost its alternative text, it points at the image's line in the manuscript."""
    project, site = report_site
    config = load_config(project)
    assert run_axe(config, site) == []
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    page = broken / "web.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(' alt="透明背景上的红色圆形标志"', "", 1), encoding="utf-8")
    findings = run_axe(config, broken)
    assert [(f.level, f.where) for f in findings] == [
        ("error", SourceLocation(project / "manuscript" / "05-web.md", _line_of(project / "manuscript" / "05-web.md",
                                                                                "![透明背景")))]
    assert findings[0].message.startswith("web.html at 360 px: image-alt (critical): Images must have alternative text")


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)
