"""Property-based tests of the CJK text stage, the typesetter and the inline markup: any Unicode in,
the same text out.

For the markup, "the text that comes out" is what a reader of the HTML gets: the character data
of the fragment (tags dropped, entities decoded). It must equal the concatenated runs, whatever
they hold, and the only markup in it is ours: <em>, <strong>, <code> and <a href> with a safe URL.
"""
from __future__ import annotations

import html
import os
import unicodedata
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from huozi.config import LINE_BREAK_LEVELS as LEVELS
from huozi.manuscript.model import Inline
from huozi.manuscript.parse import join_soft_break
from huozi.text import chars
from huozi.text.markup import inlines_to_html
from huozi.text.typeset import ZERO_WIDTH, TypesetRules, strip_controls, typeset

# In CI the same examples every run (no flaky builds); elsewhere new ones each run, to find bugs.
SETTINGS = settings(max_examples=300, deadline=None, derandomize=os.environ.get("CI", "").lower() in ("true", "1"))

# Every code point, lone surrogates included: these functions take str, and str may hold them.
ANY_CHAR = st.characters()
TEXT = st.lists(st.one_of(ANY_CHAR, st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                          st.sampled_from("<>&\"'`=/;:“”‘’——…… \u200e\u202e\u2066\u0301\ufe0f")),
                max_size=80).map("".join)
HREF = st.one_of(
    st.sampled_from(["https://example.org/?a=1&b=<2>", "http://x", "#sec-1", "mailto:a@b.c",
                     "javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:x", "java\tscript:x",
                     "data:text/html,<script>", "file:///etc/passwd", "vbscript:x", '"><script>x</script>',
                     "https://e.org/\" onmouseover=\"x"]),
    TEXT,
)
RUN = st.builds(Inline, st.sampled_from(["text", "em", "strong", "strike", "code", "link"]), TEXT, HREF)


@SETTINGS
@given(ANY_CHAR)
def test_character_classes_are_consistent(ch):
    """The classes of text/chars.py never contradict each other, for any character."""
    if chars.is_han(ch) or chars.is_cjk_punct(ch):
        assert chars.is_wide(ch) and not chars.is_narrow(ch) and not chars.is_spaced(ch)
    if chars.is_spaced(ch):                      # the ¼ em side: a visible narrow letter or digit
        assert chars.is_narrow(ch) and unicodedata.category(ch)[0] in "LN" and not ch.isspace()
    if ch in chars.ZERO_WIDTH:
        assert not chars.is_narrow(ch) and chars.strip_controls(ch) == ""
    elif ch.isspace():
        assert not chars.is_narrow(ch) and chars.strip_controls(ch) == ch
    assert chars.han_western("汉", ch) == chars.is_spaced(ch) == chars.han_western(ch, "字")
    assert not chars.han_western(ch, ch)         # a character is never both sides of a boundary
    if ch.isascii() and ch.isalnum():
        assert chars.is_western(ch) and chars.is_spaced(ch)


@SETTINGS
@given(TEXT, TEXT)
def test_soft_break_adds_at_most_one_space(before, after):
    joiner = join_soft_break(before, after)
    assert joiner in ("", " ")
    if before and after and chars.is_han(before[-1]) and chars.is_han(after[0]):
        assert joiner == ""


class _Reader(HTMLParser):
    """Collects character data and every tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


@SETTINGS
@given(st.lists(RUN, max_size=8))
def test_markup_keeps_the_text_and_adds_only_safe_tags(runs):
    out = str(inlines_to_html(runs))
    reader = _Reader()
    reader.feed(out)
    reader.close()
    assert "".join(reader.text) == "".join(run.text for run in runs)
    for tag, attrs in reader.tags:
        assert tag in ("em", "strong", "code", "a", "del"), tag
        names = [name for name, _ in attrs]
        if tag == "a":
            assert names == ["class", "href"]
            href = attrs[1][1] or ""
            assert href.startswith(("https://", "http://", "#", "mailto:")), href
        else:
            assert names in ([], ["class"])


@SETTINGS
@given(TEXT)
def test_escaped_text_has_no_markup_characters(text):
    out = str(inlines_to_html([Inline("text", text)]))
    assert "<" not in out and ">" not in out and html.unescape(out) == text



RULES = st.builds(TypesetRules, st.sampled_from(LEVELS), st.booleans(), st.booleans(), st.booleans())


@SETTINGS
@given(TEXT, RULES)
def test_typesetter_keeps_the_text_and_adds_only_spans_and_break_controls(text, rules):
    """The clreq pass (text.typeset): what a reader extracts is the text, apart from the
    zero-width break controls it adds; its markup is class-only <span>s."""
    reader = _Reader()
    reader.feed(str(typeset(text, rules)))
    reader.close()
    out = "".join(reader.text)
    assert strip_controls(out) == strip_controls(text)
    added = set(out) - set(text)
    assert added <= ZERO_WIDTH, added
    for tag, attrs in reader.tags:
        assert tag == "span" and [name for name, _ in attrs] == ["class"], (tag, attrs)
