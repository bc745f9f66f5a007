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
    assert chars[(SANS, "Bold")] == "".join(sorted("山海"))
    assert chars[(SANS, "Regular")] == "".join(sorted("图注丙丁戊庚"))
    assert chars[(SERIF, "Regular")] == "".join(sorted("山海正文甲乙图注丙丁戊己庚"))
