"""Which characters each embedded face gets: as the EPUB stylesheet and SVG figures set them."""
from __future__ import annotations

from huozi.epub.fonts import characters_by_face
from huozi.fonts import SANS, SERIF

DOC = ('<html xmlns="http://www.w3.org/1999/xhtml"><body>{}</body></html>')


def test_headings_go_to_sans_bold_captions_to_sans_and_everything_to_serif():
    body = ('<h2>山海</h2><p>正文甲乙</p><figure><figcaption>图注丙</figcaption></figure>'
            '<p class="byline">丁</p><h3 class="subheading">戊</h3>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text font-family="Noto Serif CJK SC">己</text>'
            '<g style="font-family: \'Noto Sans CJK SC\'; font-size: 10px"><text>庚</text></g></svg>')
    chars = characters_by_face([DOC.format(body)])
    # Every face gets U+0020: a space missing from a subset is drawn by a system font.
    assert chars[(SANS, "Bold")] == "".join(sorted(" 山海"))
    assert chars[(SANS, "Regular")] == "".join(sorted(" 图注丙丁戊庚"))
    assert chars[(SERIF, "Regular")] == "".join(sorted(" 山海正文甲乙图注丙丁戊己庚"))


def test_spaces_that_are_drawn_are_subset_and_collapsible_white_space_is_u0020():
    chars = characters_by_face([DOC.format('<p class="book-creators">朱宏博\u3000佟欣雨</p>\n<p>a\tb\u00a0c</p>')])
    assert chars[(SANS, "Regular")] == "".join(sorted(" \u3000朱宏博佟欣雨"))
    assert chars[(SERIF, "Regular")] == "".join(sorted(" \u3000\u00a0朱宏博佟欣雨abc"))


def test_subsets_are_cached_by_content_and_a_corrupt_entry_is_a_miss(tmp_path):
    from huozi.epub.fonts import embed_fonts

    doc = DOC.format("<h1>山海携手</h1><p>正文</p>")
    first, css = embed_fonts([doc], tmp_path)
    entries = sorted(tmp_path.iterdir())
    assert len(entries) == len(first) == 2  # serif and sans bold: the only faces this text uses
    for entry in entries:
        entry.write_bytes(b"not a font")
    again, _ = embed_fonts([doc], tmp_path)
    assert [a.content for a in again] == [a.content for a in first]
    assert sorted(e.read_bytes()[:4] for e in tmp_path.iterdir()) == [b"OTTO", b"OTTO"]
    embed_fonts([doc], tmp_path)
    assert len(list(tmp_path.iterdir())) == 2  # the same text: hits, nothing new
    embed_fonts([DOC.format("<h1>山海</h1><p>正文</p>")], tmp_path)
    assert len(list(tmp_path.iterdir())) == 4  # other text: other keys


def test_a_subset_keeps_the_fonts_own_timestamp():
    """fontTools stamps head.modified with the clock on save unless told not to: builds must not."""
    import io

    from fontTools.ttLib import TTFont

    from huozi.epub.fonts import open_face, subset_face
    from huozi.fonts import find_font

    font = find_font(SANS, "Bold")
    subset = TTFont(io.BytesIO(subset_face.__wrapped__(font, "山海")))
    assert subset["head"].modified == open_face(font)["head"].modified


def test_svg_font_weight_picks_the_bold_face():
    body = ('<svg xmlns="http://www.w3.org/2000/svg"><text font-family="\'Noto Sans CJK SC\', sans-serif" '
            'font-weight="700">壹</text><text style="font-family: \'Noto Sans CJK SC\'">贰</text></svg>')
    chars = characters_by_face([DOC.format(body)])
    assert chars[(SANS, "Bold")] == " 壹" and chars[(SANS, "Regular")] == " 贰"
