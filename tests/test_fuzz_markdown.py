"""Property-based tests of the manuscript parser: garbage never crashes it, and text survives.

"The text that comes out is the text that went in" means, precisely: a paragraph written as
lines L1..Ln, where every ASCII punctuation character is backslash-escaped (CommonMark §2.4, so
that no Markdown syntax is formed) and no line starts or ends with whitespace, comes out as the
one Paragraph whose `text` is L1 + j(L1, L2) + L2 + ... + Ln, with j = `join_soft_break` (nothing
next to Han text or CJK punctuation, one space between Western words). Anything else the parser
may refuse, but only with a ManuscriptError (a HuoziError) that points at the file.
"""
from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from huozi.errors import HuoziError, ManuscriptError
from huozi.manuscript.parse import join_soft_break, parse_article

FRONT = "---\ntitle: 测试\n---\n\n"
FORBIDDEN = set(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))

# Alphabets that exercise the CJK path: Han, CJK punctuation, combining marks, emoji with ZWJ and
# variation selectors, bidi controls and isolates, full-width forms, plus anything at all.
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
CJK_PUNCT = st.sampled_from("，。、；：？！“”‘’（）《》【】——……·「」『』〔〕")
COMBINING = st.characters(categories=["Mn", "Me"])
EMOJI = st.sampled_from(["😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "❤️", "\u200d", "\ufe0f", "🀄"])
BIDI = st.sampled_from(["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                        "\u2066", "\u2067", "\u2068", "\u2069", "\u061c"])
ANY = st.characters(blacklist_categories=["Cs"])  # lone surrogates: see test_lone_surrogates_...
CHAR = st.one_of(HAN, HAN, CJK_PUNCT, COMBINING, EMOJI, BIDI, ANY,
                 st.sampled_from(string.ascii_letters + string.digits + string.punctuation + " \t"))
# In CI the same examples every run (no flaky builds); elsewhere new ones each run, to find bugs.
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=os.environ.get("CI", "").lower() in ("true", "1"))


def _escape(line: str) -> str:
    """Backslash-escape every ASCII punctuation character, so the line is plain text in CommonMark."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in line)


def _parse(body: str | bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "01-fuzz.md"
        if isinstance(body, bytes):
            path.write_bytes(FRONT.encode() + body)
        else:
            path.write_text(FRONT + body, encoding="utf-8", newline="")
        return parse_article(path)


def _plain_line(chars: list[str]) -> str:
    line = "".join(c for c in chars if c not in "\n\r" and c not in FORBIDDEN)
    return line.strip()  # no whitespace at either end (str.strip: every Unicode space)


line = st.lists(CHAR, min_size=1, max_size=40).map(_plain_line).filter(bool)
lines = st.lists(line, min_size=1, max_size=6)


@SETTINGS
@given(lines)
@example(["写在前面", "——", "2016年", "East", "West", "与", "co-operation"])
@example(["a" * 20_000])
def test_escaped_text_comes_out_as_it_went_in(paragraph_lines):
    article = _parse("\n".join(_escape(line) for line in paragraph_lines) + "\n")
    expected = paragraph_lines[0]
    for line in paragraph_lines[1:]:
        expected += join_soft_break(expected, line) + line
    assert [p.text for p in article.paragraphs] == [expected]


@SETTINGS
@given(st.lists(lines, min_size=1, max_size=5))
def test_windows_line_endings_read_like_unix_ones(paragraphs):
    body = "\n\n".join("\n".join(_escape(line) for line in p) for p in paragraphs) + "\n"
    unix = _parse(body)
    windows = _parse(body.replace("\n", "\r\n"))
    assert [(p.text, p.line) for p in windows.paragraphs] == [(p.text, p.line) for p in unix.paragraphs]


@SETTINGS
@given(st.lists(lines, min_size=1, max_size=5))
def test_paragraphs_keep_their_order_and_lines(paragraphs):
    body = "\n\n".join("\n".join(_escape(line) for line in p) for p in paragraphs) + "\n"
    article = _parse(body)
    assert len(article.paragraphs) == len(paragraphs)
    first_lines = [p.line for p in article.paragraphs]
    assert first_lines == sorted(first_lines) and first_lines[0] == FRONT.count("\n") + 1


# Raw Markdown: syntax characters, container lines and indentation in any mix.
MARKDOWN_BITS = st.sampled_from([
    "\n", "\n\n", "> ", "- ", "1. ", "# ", "## ", "### ", "```", "~~~", "    ", "\t", "*", "**", "_", "`",
    "[", "]", "(", ")", "![", "<", ">", "&amp;", "&#0;", "&#x110000;", "\\", "|", "---", "===",
    "::: preface\n", "::: photo 刘昌松摄\n", "::: figure \n", "::: figure x\n", ":::\n", "::: unknown\n",
    "[a]: /url\n", "<https://例子.中国>", "<javascript:x>", "\r\n", "\r", "“", "”", "——", "……",
])
RAW = st.lists(st.one_of(MARKDOWN_BITS, CHAR.map(str)), max_size=200).map("".join)


@SETTINGS
@given(RAW)
@example("> " * 10_000 + "深")
@example("*" * 10_000 + "x" + "*" * 10_000)
@example("[" * 10_000 + "x" + "]" * 10_000)
@example("“" * 10_000 + "”" * 10_000)
@example("- " * 5_000 + "x")
@example("::: preface\n" * 50 + "x")
def test_raw_markdown_never_crashes(source):
    try:
        article = _parse(source)
    except ManuscriptError as exc:
        assert exc.where is not None and exc.where.path.name == "01-fuzz.md"
        return
    for paragraph in article.paragraphs:
        assert isinstance(paragraph.text, str) and paragraph.line >= 1


@SETTINGS
@given(st.lists(CHAR, max_size=60).map("".join), st.lists(CHAR, max_size=60).map("".join))
def test_front_matter_garbage_is_a_located_error_or_a_title(key_text, value_text):
    body = f"---\n{key_text}: {value_text}\ntitle: {value_text}\n---\n\n正文\n".encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "01-fuzz.md"
        path.write_bytes(body)
        try:
            article = parse_article(path)
        except HuoziError as exc:
            assert exc.where is not None and exc.where.path == path and exc.where.line >= 1
            return
        assert article.title and [p.text for p in article.paragraphs] == ["正文"]


@SETTINGS
@given(lines, st.integers(min_value=0, max_value=5), st.sampled_from(["\ud800", "\udfff", "\udc80"]))
def test_lone_surrogates_are_a_located_utf8_error(paragraph_lines, at, surrogate):
    """A lone surrogate cannot be UTF-8; written out with 'surrogatepass' it is an error at its line."""
    at = min(at, len(paragraph_lines) - 1)
    assume(all(len(line.encode("utf-8")) for line in paragraph_lines))
    paragraph_lines = list(paragraph_lines)
    paragraph_lines[at] += surrogate
    body = "\n".join(_escape(line) for line in paragraph_lines).encode("utf-8", "surrogatepass")
    with pytest.raises(ManuscriptError, match="not UTF-8") as caught:
        _parse(body)
    assert caught.value.where.line == FRONT.count("\n") + 1 + at


@SETTINGS
@given(lines, st.sampled_from(sorted(FORBIDDEN)))
def test_control_characters_are_a_located_error(paragraph_lines, control):
    body = "\n".join(_escape(line) for line in paragraph_lines) + control + "\n"
    with pytest.raises(ManuscriptError, match=f"U\\+{ord(control):04X}") as caught:
        _parse(body)
    where = caught.value.where
    assert (where.line, where.column) == (FRONT.count("\n") + len(paragraph_lines),
                                          len(_escape(paragraph_lines[-1])) + 1)


def test_a_hundred_thousand_characters_on_one_line_parse():
    line = ("东西部扶贫协作，2016年以来483亿元。“山海携手”——" * 4000)[:100_000]
    article = _parse(line + "\n")
    assert [p.text for p in article.paragraphs] == [line]
