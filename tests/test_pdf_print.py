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
        for left, _top, right, _bottom in outside:
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


# --- The book's furniture --------------------------------------------------------------------

HEAD_ZONE = 18 * MM   # the top margin: running heads live here
FOOT_ZONE = 20 * MM   # the bottom margin: folios live here


def _outline_articles(reader) -> list[tuple[str, int]]:
    """(title, 1-based page) of each level-1 bookmark: the articles."""
    return [(item.title, reader.get_destination_page_number(item) + 1)
            for item in reader.outline if not isinstance(item, list)]


def _zones(reader, plumber) -> list[dict[str, list]]:
    """Per page: the characters in the head zone, the foot zone and the text block."""
    pages = []
    for page, ppage in zip(reader.pages, plumber.pages):
        trim = Box.of(page, "/TrimBox")
        height = trim.y1 - trim.y0
        zones = {"head": [], "foot": [], "body": [], "trim": trim}
        for char in ppage.chars:
            left, top, right, bottom = from_trim(ppage, char, trim)
            placed = dict(char, left=left, right=right)
            if bottom <= HEAD_ZONE:
                zones["head"].append(placed)
            elif top >= height - FOOT_ZONE:
                zones["foot"].append(placed)
            else:
                zones["body"].append(placed)
        pages.append(zones)
    return pages


def _text(chars) -> str:
    return "".join(c["text"] for c in chars).strip()


@pytest.fixture(scope="module")
def zones(reader, plumber):
    return _zones(reader, plumber)


def test_articles_open_on_right_hand_pages(reader):
    articles = _outline_articles(reader)
    assert len(articles) >= 2
    for title, page in articles:
        assert page % 2 == 1, f"{title} opens on page {page}, a left-hand page"


def test_title_page_then_contents_on_right_hand_pages(zones, config):
    assert config.book.title.replace(" ", "") in _text(zones[0]["body"]).replace(" ", "")
    contents = [n for n, z in enumerate(zones, 1) if "目" in _text(z["body"])[:3]]
    assert contents and contents[0] % 2 == 1


def test_blank_pages_are_truly_blank(reader, plumber, zones):
    blank = [n for n, z in enumerate(zones) if not (z["head"] or z["body"] or z["foot"])]
    assert blank, "right-hand starts should have left at least one blank verso"
    for n in blank:
        ppage, trim = plumber.pages[n], zones[n]["trim"]
        inside = [o for o in ppage.lines + ppage.curves + ppage.rects + ppage.images
                  if from_trim(ppage, o, trim)[0] >= 0 and from_trim(ppage, o, trim)[2] <= trim.x1 - trim.x0
                  and from_trim(ppage, o, trim)[1] >= 0 and from_trim(ppage, o, trim)[3] <= trim.y1 - trim.y0]
        assert not inside, f"page {n + 1} has drawing inside the trim"
        assert n % 2 == 1, f"blank page {n + 1} is a right-hand page"


def test_running_heads_book_title_left_article_title_right(reader, zones, config):
    articles = _outline_articles(reader)
    openings = {page for _, page in articles}
    checked = 0
    for number, z in enumerate(zones, 1):
        if number < min(openings):
            assert not z["head"] and not z["foot"], f"front matter page {number} has furniture"
            continue
        if not z["body"]:
            continue
        head = _text(z["head"])
        if number in openings:
            assert head == "", f"opening page {number} has a running head {head!r}"
        elif number % 2 == 0:
            assert head == config.book.title, f"page {number}: {head!r}"
        else:
            current = [title for title, page in articles if page <= number][-1]
            assert head == current, f"page {number}: {head!r}"
        checked += 1
    assert checked >= 6


def test_folios_at_the_outer_foot(reader, zones):
    first = min(page for _, page in _outline_articles(reader))
    for number, z in enumerate(zones, 1):
        if number < first or not z["body"]:
            continue
        assert _text(z["foot"]) == str(number), f"page {number}"
        width = z["trim"].x1 - z["trim"].x0
        x = sum(c["left"] for c in z["foot"]) / len(z["foot"])
        assert (x < width / 3) if number % 2 == 0 else (x > 2 * width / 3), f"page {number} folio at {x:.0f}pt"


def test_margins_are_mirrored(reader, zones):
    first = min(page for _, page in _outline_articles(reader))
    left = {0: [], 1: []}
    right = {0: [], 1: []}
    for number, z in enumerate(zones, 1):
        if number >= first and z["body"]:
            width = z["trim"].x1 - z["trim"].x0
            left[number % 2].append(min(c["left"] for c in z["body"]))
            right[number % 2].append(width - max(c["right"] for c in z["body"]))
    recto_inner, verso_outer = min(left[1]), min(left[0])
    recto_outer, verso_inner = min(right[1]), min(right[0])
    assert recto_inner > verso_outer + 2 * MM          # the gutter is wider than the fore-edge
    assert recto_inner == pytest.approx(verso_inner, abs=10.5)  # within one character (ragged right)
    assert recto_outer == pytest.approx(verso_outer, abs=10.5)


def test_contents_lists_the_pages_the_bookmarks_point_to(reader):
    contents_page = next(p for p in reader.pages if "目" in (p.extract_text() or "")[:5])
    lines = contents_page.extract_text().splitlines()
    entries = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    assert len(entries) >= 4
    for title, page in entries:
        line = next(line for line in lines if line.replace(" ", "").startswith(title[:4].replace(" ", "")))
        assert line.rstrip().endswith(str(page)), (line, page)


def test_no_annotations_on_the_printed_page(reader):
    # PDF/X allows only PrinterMark and TrapNet annotations inside the BleedBox; a book needs none.
    for number, page in enumerate(reader.pages, 1):
        annots = [a.get_object().get("/Subtype") for a in page.get("/Annots") or []]
        assert all(kind in ("/PrinterMark", "/TrapNet") for kind in annots), f"page {number}: {annots}"
