"""What a reader gets: every paragraph, in order, in all three outputs; real fonts, embedded."""
from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from ebooklib import epub
from lxml import html as lxml_html

from huozi.text.chars import is_han
from pdftext import assert_in_order, body_text, squash

HAN_SPACE_HAN = re.compile(r"[\u4e00-\u9fff][ \t]+[\u4e00-\u9fff]")


def furniture(config, manuscript) -> set[str]:
    return {config.book.title} | {a.title for a in manuscript.articles}


def paragraphs(manuscript) -> list[str]:
    return [p.text for a in manuscript.articles for p in a.paragraphs]


@pytest.mark.parametrize("edition", ["handout", "print"])
def test_pdf_has_every_paragraph_in_order(built, edition, config, manuscript):
    text = body_text(built[edition], furniture(config, manuscript))
    assert_in_order(squash(text), [squash(p) for p in paragraphs(manuscript)])


@pytest.mark.parametrize("edition", ["handout", "print"])
def test_pdf_han_text_is_set_in_cjk_fonts(built, edition, manuscript):
    """No tofu: every Han character is drawn with a Noto CJK face."""
    with pdfplumber.open(built[edition]) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if len(c["text"]) == 1 and is_han(c["text"])]
    assert len(chars) >= sum(is_han(ch) for p in paragraphs(manuscript) for ch in p)
    assert {c["fontname"].split("+")[-1] for c in chars} <= {
        "Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold", "Noto-Serif-CJK-SC-Bold"}


@pytest.mark.parametrize("edition", ["handout", "print"])
def test_pdf_fonts_are_embedded_and_subset(built, edition):
    out = subprocess.run(["pdffonts", str(built[edition])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, "no fonts listed"
    for row in rows:
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert "+" in row[0], row


def _epub_paragraph_texts(path: Path) -> list[str]:
    book = epub.read_epub(str(path))
    texts = []
    for item in book.get_items():
        if item.media_type == "application/xhtml+xml" and item.file_name.startswith("text/"):
            tree = lxml_html.fromstring(item.get_content())
            for p in tree.iter("p"):
                if not p.get("class"):
                    texts.append(p.text_content())
    return texts


def test_epub_paragraphs_equal_the_manuscript(built, manuscript):
    ours = [squash(t) for t in _epub_paragraph_texts(built["epub"])]
    assert ours == [squash(p) for p in paragraphs(manuscript)]
    # the EPUB keeps text exactly, no spaces were introduced where lines were joined
    assert [t.replace("\u200b", "") for t in _epub_paragraph_texts(built["epub"])] == paragraphs(manuscript)


def test_no_soft_break_spaces_between_han(built, manuscript):
    assert not any(HAN_SPACE_HAN.search(p) for p in _epub_paragraph_texts(built["epub"]))
    body = "\n".join(squash(p) for p in paragraphs(manuscript))
    with pdfplumber.open(built["print"]) as pdf:
        for page in pdf.pages:
            for line in (page.extract_text() or "").splitlines():
                if squash(line) and squash(line) in body:  # a line of body text, not a figure label
                    assert not HAN_SPACE_HAN.search(line), line


def test_epub_is_a_valid_zip_with_mimetype_first(built):
    with zipfile.ZipFile(built["epub"]) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"


def test_epubcheck_reports_nothing(built, epubcheck):
    report = epubcheck(built["epub"])
    assert report.problems() == [] and (report.fatals, report.errors, report.warnings) == (0, 0, 0)


def test_pdf_page_counts_are_those_the_build_reported(built):
    """The report's page counts are the files' (the EPUB's page list is made from them), and the
    handout, set continuously, leaves no page empty."""
    report = json.loads((built["print"].parent / "build-report.json").read_text(encoding="utf-8"))
    pages = {output["edition"]: output["pages"] for output in report["outputs"]}
    for edition in ("handout", "print"):
        with pdfplumber.open(built[edition]) as pdf:
            assert len(pdf.pages) == pages[edition] > 1
            if edition == "handout":
                assert all((page.extract_text() or "").strip() for page in pdf.pages)
