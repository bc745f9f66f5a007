"""The figures in the real outputs: vector text in a CJK font in the PDFs, placed where the manuscript says,
whole with their captions in print; SVG files with alt text in a valid EPUB."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from huozi.figures.facts import load_facts
from huozi.figures.spec import load_specs


@pytest.fixture(scope="module")
def specs(project_root: Path):
    return load_specs(project_root / "figures", load_facts(project_root / "figures"))


# The ¼ em Han–Western gap of a large figure label (13个 at 13 pt) is wider than pdfplumber's 3 pt
# word tolerance, so extract_text reads a space there that no SVG text holds (figures/svg.py: dx).
_LAYOUT_SPACE = re.compile(r"(?<=[0-9A-Za-z]) (?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) (?=[0-9A-Za-z])")


def _pages(path: Path) -> list[dict]:
    """Per page: its text (pdfplumber joins characters without inventing spaces) and its characters."""
    with pdfplumber.open(path) as pdf:
        return [{"text": _LAYOUT_SPACE.sub("", p.extract_text() or ""), "chars": p.chars, "images": p.images,
                 "width": p.width} for p in pdf.pages]


@pytest.fixture(scope="module")
def print_pages(built):
    return _pages(built["print"])


@pytest.fixture(scope="module")
def handout_pages(built):
    return _pages(built["handout"])


def _numbers(spec) -> list[str]:
    return [f.text for f in spec.all_facts if f.value is not None and f.unit != "年"]


def _caption_page(pages: list[dict], spec) -> int:
    hits = [i for i, p in enumerate(pages) if f"{spec.label} {spec.caption[:6]}" in p["text"]
            or f"{spec.label}{spec.caption[:6]}" in p["text"]]
    assert len(hits) == 1, (spec.id, hits)
    return hits[0]


@pytest.mark.parametrize("edition", ["print", "handout"])
def test_figure_labels_are_extractable_text_in_a_cjk_font(edition, built, specs, print_pages, handout_pages):
    pages = print_pages if edition == "print" else handout_pages
    for spec in specs.values():
        page = pages[_caption_page(pages, spec)]
        for number in _numbers(spec):
            assert number in page["text"], (edition, spec.id, number)
        # The first Han character of every number's unit is set in Noto Sans CJK, as real text.
        fonts = {c["fontname"] for c in page["chars"] if c["text"] in "".join(_numbers(spec)) and c["size"] < 14}
        assert any("Noto-Sans-CJK-SC" in f for f in fonts), (spec.id, fonts)
        assert not page["images"], "figures are vector, not pictures"


def _without_running_head(chars: list[dict], titles: set[str]) -> list[dict]:
    """Drop the line at the top of the page that is a running head (a title), not the figure."""
    if not chars:
        return chars
    top = min(c["top"] for c in chars)
    head = "".join(c["text"] for c in chars if abs(c["top"] - top) < 1)
    return [c for c in chars if abs(c["top"] - top) >= 1] if head in titles else chars


def test_print_keeps_each_figure_whole_with_its_caption_and_full_width(print_pages, specs, config, manuscript):
    titles = {config.book.title} | {a.title for a in manuscript.articles}
    for spec in specs.values():
        index = _caption_page(print_pages, spec)
        page = print_pages[index]
        # Everything the figure draws sits on its caption's page: never split from it.
        for number in _numbers(spec):
            assert number in page["text"], (spec.id, number)
        body = [c for c in page["chars"] if "Serif" in c["fontname"] and c["size"] > 10]
        sans = _without_running_head([c for c in page["chars"] if "Sans" in c["fontname"] and c["size"] < 14], titles)
        if body:
            left, right = min(c["x0"] for c in body), max(c["x1"] for c in body)
            assert min(c["x0"] for c in sans) >= left - 1
            assert max(c["x1"] for c in sans) <= right + 1
        figure_width = max(c["x1"] for c in sans) - min(c["x0"] for c in sans)
        assert figure_width > 0.6 * (page["width"] - 2 * 57), spec.id


def test_handout_places_each_figure_after_the_paragraph_it_follows(handout_pages, project_root, specs):
    text = "".join(p["text"].replace("\n", "") for p in handout_pages)
    for path in sorted((project_root / "manuscript").glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            match = re.match(r"::: figure (\S+)", line)
            if not match:
                continue
            before = next(x for x in reversed(lines[:index]) if x.strip() and not x.startswith(":::"))
            spec = specs[match.group(1)]
            caption_at = text.find(spec.label)
            assert caption_at > 0, spec.id
            tail = before.strip()[-8:]
            assert 0 <= text.rfind(tail, 0, caption_at), (spec.id, tail)
            assert caption_at - text.rfind(tail, 0, caption_at) < 1500, spec.id


def test_epub_holds_every_figure_as_svg_with_alt_text(built, specs):
    """Inline SVG (issue 6: so the labels use the EPUB's embedded fonts), declared in the manifest."""
    with zipfile.ZipFile(built["epub"]) as epub:
        names = epub.namelist()
        opf = epub.read("EPUB/content.opf").decode()
        documents = {n: epub.read(n).decode() for n in names if n.startswith("EPUB/text/")}
        for spec in specs.values():
            holder = next((n for n, d in documents.items() if f'id="fig-{spec.id}"' in d), None)
            assert holder, spec.id
            figure = documents[holder].split(f'id="fig-{spec.id}"', 1)[1].split("</figure>", 1)[0]
            svg = figure[figure.index("<svg"):figure.index("</svg>")]
            assert "<!DOCTYPE" not in figure and "<text" in svg and "<title>" in svg
            item = re.search(rf'<item [^>]*href="{holder.removeprefix("EPUB/")}"[^>]*>', opf).group(0)
            properties = re.search(r'properties="([^"]*)"', item)
            assert properties and "svg" in properties.group(1).split(), holder
            label = re.search(r'role="img" aria-label="([^"]+)"', figure)
            assert label, spec.id
            for number in _numbers(spec):
                assert number in label.group(1), (spec.id, number)


def test_print_sets_each_figure_at_the_top_or_bottom_of_its_page(print_pages, specs):
    """Never text above the figure and below its caption on the same page (clreq-style page floats)."""
    for spec in specs.values():
        page = print_pages[_caption_page(print_pages, spec)]
        chars = page["chars"]
        caption = next(c for i, c in enumerate(chars) if c["text"] == "图" and i + 1 < len(chars)
                       and chars[i + 1]["text"] == str(spec.number) and "Bold" in c["fontname"])
        body = [c for c in chars if "Serif" in c["fontname"] and c["size"] > 10]
        above = [c for c in body if c["bottom"] < caption["top"]]
        below = [c for c in body if c["top"] > caption["bottom"]]
        assert not (above and below), f"{spec.label} sits mid-page"
