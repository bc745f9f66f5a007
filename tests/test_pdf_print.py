"""The print edition: PDF/X-4 with bleed, marks and output intent, and a book's furniture."""
from __future__ import annotations

import io

import pdfplumber
import pypdf
import pytest
from PIL import ImageCms

from pdf_helpers import MM, Box, color_operators, from_trim


@pytest.fixture(scope="module")
def reader(built):
    return pypdf.PdfReader(built["print"])


@pytest.fixture(scope="module")
def plumber(built):
    with pdfplumber.open(built["print"]) as pdf:
        yield pdf


def _trim_size_pt(config) -> tuple[float, float]:
    from huozi.config import css_length_pt

    width, height = config.print.trim.split()
    return css_length_pt(width), css_length_pt(height)


def test_trim_size_is_the_configured_one(reader, config):
    width, height = _trim_size_pt(config)
    for page in reader.pages:
        trim = Box.of(page, "/TrimBox")
        assert trim.x1 - trim.x0 == pytest.approx(width, abs=0.01)
        assert trim.y1 - trim.y0 == pytest.approx(height, abs=0.01)


def test_bleed_box_is_the_bleed_outside_the_trim(reader, config):
    bleed = config.print.bleed_pt
    assert bleed == pytest.approx(3 * MM)
    for number, page in enumerate(reader.pages, 1):
        trim, bleed_box = Box.of(page, "/TrimBox"), Box.of(page, "/BleedBox")
        for side in bleed_box.margins_to(trim):
            assert side == pytest.approx(bleed, abs=0.01), f"page {number}"


def test_media_box_holds_the_marks_outside_the_bleed(reader, plumber):
    for number, (page, ppage) in enumerate(zip(reader.pages, plumber.pages), 1):
        media, bleed_box, trim = (Box.of(page, n) for n in ("/MediaBox", "/BleedBox", "/TrimBox"))
        assert all(side >= 8 * MM for side in media.margins_to(bleed_box)), f"page {number}"
        marks = [from_trim(ppage, o, trim) for o in ppage.lines + ppage.curves]
        bleed = bleed_box.x1 - trim.x1
        width, height = trim.x1 - trim.x0, trim.y1 - trim.y0
        outside = [m for m in marks if m[2] < -bleed or m[0] > width + bleed
                   or m[3] < -bleed or m[1] > height + bleed]
        # 8 crop marks (two at each corner) and 4 registration targets of 2 lines + 1 circle.
        assert len(outside) >= 8 + 12, f"page {number}: {len(outside)} mark strokes"
        for left, top, right, bottom in outside:
            sheet_left = media.x0 - trim.x0
            assert left >= sheet_left - 1 and right <= media.x1 - trim.x0 + 1, f"page {number}"


def test_xmp_identifies_pdf_x4(reader):
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert "<pdf:Trapped>False</pdf:Trapped>" in xmp
    assert "山海携手" in xmp
    assert reader.pdf_header == "%PDF-1.6"
    assert reader.metadata["/Trapped"] == "/False"


def test_output_intent_is_an_embedded_cmyk_printer_profile(reader):
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"]
    profile_stream = intent["/DestOutputProfile"].get_object()
    assert profile_stream["/N"] == 4
    profile = ImageCms.ImageCmsProfile(io.BytesIO(profile_stream.get_data())).profile
    assert (profile.device_class, profile.xcolor_space.strip()) == ("prtr", "CMYK")


def test_colours_are_gray_or_cmyk_never_rgb(built):
    counts = color_operators(built["print"])
    assert counts.get("gray", 0) > 0
    assert counts.get("rgb", 0) == 0, counts


def test_text_is_black_on_the_black_plate(plumber):
    body = 0
    for page in plumber.pages:
        for char in page.chars:
            # DeviceGray prints on the black plate alone under a CMYK output intent.
            assert len(char["non_stroking_color"]) == 1, char["non_stroking_color"]
            if "Serif" in char["fontname"] and char["size"] < 11:
                assert char["non_stroking_color"][0] == 0, char["text"]
                body += 1
    assert body > 1000
