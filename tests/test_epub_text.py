"""The EPUB's text is the manuscript's, character for character, in reading order."""
from __future__ import annotations

import pytest

from epub_helpers import NS, Epub, text_of

BODY_SECTIONS = "//x:article//x:section[contains(' lead preface section ', concat(' ', @class, ' '))]"


@pytest.fixture(scope="module")
def epub(built) -> Epub:
    return Epub(built["epub"])


def test_every_paragraph_equals_the_manuscript(epub, manuscript):
    for article in manuscript.articles:
        root = epub.tree(f"text/{article.slug}.xhtml")
        paragraphs = root.xpath(f"{BODY_SECTIONS}/x:p[not(@class)]", namespaces=NS)
        assert [text_of(p) for p in paragraphs] == [p.text for p in article.paragraphs], article.slug


def test_titles_headings_and_captions_equal_the_manuscript(epub, manuscript):
    for article in manuscript.articles:
        root = epub.tree(f"text/{article.slug}.xhtml")
        assert text_of(root.xpath("//x:h1", namespaces=NS)[0]) == article.title
        headings = [text_of(h) for h in root.xpath(f"{BODY_SECTIONS}/x:h2", namespaces=NS)]
        assert headings == [s.heading.text for s in article.sections if s.heading]
        captions = [text_of(c) for c in root.xpath("//x:figure[@class='photo']//x:span[@class='caption-text']",
                                                   namespaces=NS)]
        photos = [b for b in article.blocks if type(b).__name__ == "Photo"]
        assert captions == ["".join(p.text for p in b.caption) for b in photos]


def test_articles_come_in_manuscript_order_after_the_front_matter(epub, manuscript):
    spine = epub.spine_hrefs()
    body = [h for h in spine if h.startswith("text/") and h not in ("text/cover.xhtml", "text/title.xhtml")]
    assert body == [f"text/{a.slug}.xhtml" for a in manuscript.articles]
    assert spine[:2] == ["text/cover.xhtml", "text/title.xhtml"]
