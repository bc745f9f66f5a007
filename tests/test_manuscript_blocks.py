"""The typed model of issue 11 on small inputs: every block and inline, and every refusal."""
from __future__ import annotations

from pathlib import Path

import pytest

from huozi.errors import ManuscriptError
from huozi.manuscript import parse_article
from huozi.manuscript.model import (
    Admonition,
    CodeBlock,
    DefinitionList,
    Heading,
    List,
    Quote,
    Rule,
    plain_text,
)


def article(tmp_path: Path, body: str):
    path = tmp_path / "01-t.md"
    path.write_text("---\ntitle: 标题\n---\n\n" + body, encoding="utf-8")
    return parse_article(path)


def blocks(tmp_path: Path, body: str) -> list:
    return [b for s in article(tmp_path, body).sections for b in s.blocks]


def refused(tmp_path: Path, body: str) -> ManuscriptError:
    with pytest.raises(ManuscriptError) as error:
        article(tmp_path, body)
    assert error.value.where.path.name == "01-t.md" and error.value.where.line and error.value.hint
    return error.value


def test_lists_nest_and_keep_numbers(tmp_path):
    (outer, ordered, loose) = blocks(tmp_path, "- 甲\n- 乙\n  1. 子\n  2. 丑\n\n7) 七\n8) 八\n\n- 松\n\n- 散\n")
    assert isinstance(outer, List) and not outer.ordered and outer.tight and outer.depth == 1
    inner = outer.items[1].blocks[1]
    assert isinstance(inner, List) and inner.ordered and inner.depth == 2
    assert [plain_text(i.blocks[0].inlines) for i in inner.items] == ["子", "丑"]
    assert ordered.ordered and ordered.start == 7 and len(ordered.items) == 2
    assert not loose.tight
    assert [i.line for i in outer.items] == [5, 6]


def test_quote_with_attribution_code_and_rule(tmp_path):
    quote, code, indented, rule = blocks(
        tmp_path, "> 一段。\n>\n> ——作者\n\n```py\n  a  =  1\n\n\tb\n```\n\n    缩进\n\n***\n")
    assert isinstance(quote, Quote) and plain_text(quote.attribution) == "——作者"
    assert [b.text for b in quote.blocks] == ["一段。"]
    assert isinstance(code, CodeBlock) and code.text == "  a  =  1\n\n\tb" and code.language == "py"
    assert isinstance(indented, CodeBlock) and indented.text == "缩进"
    assert isinstance(rule, Rule)


def test_a_lone_quote_paragraph_is_not_an_attribution(tmp_path):
    (quote,) = blocks(tmp_path, "> ——只有一段\n")
    assert not quote.attribution and quote.blocks[0].text == "——只有一段"


@pytest.mark.parametrize("source, kind, title", [
    ("::: note\n内容。\n:::\n", "note", ""),
    ("::: tip 标题在此\n内容。\n:::\n", "tip", "标题在此"),
    ("::: warning\n内容。\n:::\n", "warning", ""),
    ("::: {.callout-important title=\"Quarto 标题\"}\n内容。\n:::\n", "important", "Quarto 标题"),
    ("::: {.callout-caution}\n## 标题行\n内容。\n:::\n", "caution", "标题行"),
])
def test_admonitions(tmp_path, source, kind, title):
    (block,) = blocks(tmp_path, source)
    assert isinstance(block, Admonition) and block.kind == kind and plain_text(block.title) == title
    assert [b.text for b in block.blocks] == ["内容。"]


def test_definition_list(tmp_path):
    (block,) = blocks(tmp_path, "术语\n: 定义一。\n: 定义二。\n")
    assert isinstance(block, DefinitionList)
    assert plain_text(block.items[0].term) == "术语" and len(block.items[0].definitions) == 2


def test_inline_tree(tmp_path):
    (p,) = blocks(tmp_path, "甲*强调**粗**~~删~~*`码`[链](https://x.org)硬\\\n换@sec-a乙\n\n## 标 {#sec-a}\n")[:1]
    kinds = [i.kind for i in p.inlines]
    assert kinds == ["text", "em", "code", "link", "text", "break", "text", "xref", "text"]
    em = p.inlines[1]
    assert [c.kind for c in em.children] == ["text", "strong", "strike"]
    assert p.inlines[7].target == "sec-a"
    assert p.text == "甲强调粗删码链硬\n换乙"


def test_heading_ids_levels_and_subtitles(tmp_path):
    a = article(tmp_path, "## 节 {#sec-x .unnumbered}\n### 副题 {.subtitle}\n\n正文。\n\n### 小节\n\n#### 细目\n")
    section = a.sections[0]
    assert (section.heading.text, section.heading.anchor, section.heading.explicit_id) == ("节", "sec-x", True)
    assert section.subheading.text == "副题"
    levels = [b.level for b in section.blocks if isinstance(b, Heading)]
    assert levels == [3, 4]


def test_hash_headings_shift_one_level(tmp_path):
    a = article(tmp_path, "# 一\n\n## 二\n\n正文。\n")
    assert a.sections[0].heading.level == 2
    assert [b.level for b in a.sections[0].blocks if isinstance(b, Heading)] == [3]


@pytest.mark.parametrize("body, message", [
    ("::: note\n没有结束。\n", "never closed"),
    ("::: danger\n危险。\n:::\n", "unknown ::: block 'danger'"),
    ("::: {.callout-danger}\n危险。\n:::\n", "unknown ::: block"),
    (":::\n", "closes no block"),
    ("## \n\n正文。\n", "a heading with no text"),
    ("# 一\n\n###### 七级\n", "level-7 heading"),
    ("## 甲\n\n#### 跳级\n", "level-4 heading follows a level-2"),
    ("## 甲 {#a}\n\n## 乙 {#a}\n", "used twice"),
    ("## 甲 {#1bad}\n", "cannot be an id"),
    ("".join("  " * d + "- 层\n" for d in range(7)), "nested 7 deep"),
    ("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n", "3 cells under a header of 2"),
    ("|  |  |\n|---|---|\n| 1 | 2 |\n", "header row is empty"),
    ("| a | b |\n|---|---|---|\n| 1 | 2 |\n", "does not match its header row"),
    ("| a | b |\n|---|---|\n| 1 | 2 |\n正文紧跟\n", "a line without | inside a table"),
    ("Table: 标题\n\n正文。\n", "caption line with no table"),
    ("Table: 上 {#tbl-a}\n\n| a |\n|---|\n| 1 |\n\n: 下\n", "both above and below"),
    ("Table: 甲 {#tbl-a}\n\n| a |\n|---|\n| 1 |\n\n正文。\n\nTable: 乙 {#tbl-a}\n\n| b |\n|---|\n| 2 |\n",
     "used twice"),
    ("正文。\n\n: 乙 {#tbl-b}\n\n| b |\n|---|\n| 2 |\n", "read as a definition"),
    ("| a[^1] | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: 注。\n", "a footnote ([^1]) in a table's header row"),
    ("| a | b |\n|---|---|\n| 1 | 2 |\n\n: 标题^[注] {#tbl-n}\n", "in a table's caption"),
    ("正文[^1]。\n", "is never defined"),
    ("正文。\n\n[^1]: 注。\n", "defined but never called"),
    ("文字![图](a.png)文字\n", "an image inside a line of text"),
    ("- 项\n\n  ## 标题\n", "a heading inside a list"),
    ("### 副题 {.subtitle}\n", "follows no section heading"),
    ("*" * 40 + "深" + "*" * 40 + "\n", "nested more than"),
])
def test_refusals_name_the_line_and_say_what_to_do(tmp_path, body, message):
    error = refused(tmp_path, body)
    assert message in f"{error.message} {error.hint}"


def test_a_block_closed_by_an_inner_blocks_line_leaves_no_raw_colons(tmp_path):
    """`::: preface` holding `::: figure X` with as many colons: the figure's ':::' closed the
    preface, and the preface's own ':::' became a line of the paragraph before it, printed as
    text in every edition. Refused at that line (the body's ninth, after four of front matter), with
    the way to nest."""
    error = refused(tmp_path, "::: preface\n前言第一段。\n\n::: note\n注。\n:::\n\n前言第二段。\n:::\n")
    assert error.where.line == 13 and "closes no block" in error.message and "::::" in error.hint


def test_unclosed_container_reports_its_opening_line(tmp_path):
    error = refused(tmp_path, "正文。\n\n::: tip\n一\n\n二\n")
    assert error.where.line == 7


@pytest.mark.parametrize("number, written", [
    (1, "一"), (10, "十"), (12, "十二"), (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"),
    (110, "一百一十"), (178, "一百七十八"), (1010, "一千零一十"), (10001, "一万零一"), (100000, "十万"),
])
def test_chapter_numbers_are_chinese_numerals_past_ninety_nine(number, written):
    # A book of 178 articles (the benchmark's 1 MB scale) stopped with an IndexError at 第100章.
    from huozi.layout.links import chinese_number

    assert chinese_number(number) == written
