"""The Markdown parser on small inputs, and the real manuscript against its newspaper seed."""
from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from huozi.errors import ManuscriptError
from huozi.manuscript import FigureRef, Paragraph, Photo, parse_article
from huozi.manuscript.parse import join_soft_break

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_4bbb9c6bc05c0dd8.txt"


def write(tmp_path: Path, text: str, name: str = "01-test.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_soft_break_between_han_is_not_a_space(tmp_path):
    path = write(tmp_path, "---\ntitle: 标题\n---\n\n甘肃陇南依山，\n山东青岛傍海。\n")
    (paragraph,) = parse_article(path).paragraphs
    assert paragraph.text == "甘肃陇南依山，山东青岛傍海。"


def test_soft_break_between_western_words_is_a_space(tmp_path):
    path = write(tmp_path, "---\ntitle: T\n---\n\nmovable\ntype 活字\n印刷\n")
    (paragraph,) = parse_article(path).paragraphs
    assert paragraph.text == "movable type 活字印刷"


@pytest.mark.parametrize(("before", "after", "joiner"), [
    ("汉", "字", ""), ("。", "在", ""), ("2016年", "7月", ""), ("……", "一场", ""),
    ("word", "word", " "), ("汉", "A", ""), ("1.5", "亿", ""),
])
def test_join_soft_break(before, after, joiner):
    assert join_soft_break(before, after) == joiner


def test_structure_and_line_numbers(tmp_path):
    source = (
        "---\ntitle: 标题\nsubtitle: ——副题\nbyline: ■作者\norder: 3\n---\n\n"
        "::: preface\n## 写在前面\n\n前言。\n:::\n\n"
        "::: photo 某某摄\n图片说明。\n:::\n\n"
        "## 第一节\n### 小标题 {.subtitle}\n\n正文一。\n\n::: figure sales\n:::\n\n正文二。\n"
    )
    article = parse_article(write(tmp_path, source))
    assert (article.title, article.subtitle, article.byline, article.order) == ("标题", "——副题", "■作者", 3)
    preface, photo_section, section = article.sections
    assert preface.kind == "preface" and preface.heading.text == "写在前面"
    assert isinstance(photo_section.blocks[0], Photo) and photo_section.blocks[0].credit == "某某摄"
    assert section.heading.text == "第一节" and section.subheading.text == "小标题"
    first, figure, second = section.blocks
    assert isinstance(first, Paragraph) and first.line == 21
    assert isinstance(figure, FigureRef) and figure.figure_id == "sales" and figure.line == 23
    assert second.line == 26


def test_raw_html_stays_text(tmp_path):
    path = write(tmp_path, "---\ntitle: T\n---\n\n正文<script>alert(1)</script>。\n")
    (paragraph,) = parse_article(path).paragraphs
    assert paragraph.text == "正文<script>alert(1)</script>。"


def test_missing_title_names_the_file(tmp_path):
    path = write(tmp_path, "---\nsubtitle: 副题\n---\n\n正文。\n")
    with pytest.raises(ManuscriptError) as error:
        parse_article(path)
    assert "title" in str(error.value) and f"{path}:2" in str(error.value)


def _seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEED.exists(), reason="the newspaper seed lives outside the repository")
def test_every_seed_character_reaches_the_manuscript(manuscript):
    """Same characters as the seed (whitespace aside), and every seed line intact in the text."""
    texts = []
    for article in manuscript.articles:
        texts += [article.title, article.subtitle, article.byline]
        for block in article.blocks:
            if isinstance(block, Photo):
                texts += [p.text for p in block.caption] + [block.credit]
            elif isinstance(block, Paragraph):
                texts.append(block.text)
        texts += [s.heading.text for s in article.sections if s.heading]
        texts += [s.subheading.text for s in article.sections if s.subheading]
    ours = re.sub(r"\s", "", "".join(texts))
    seed = re.sub(r"\s", "", _seed_text())
    assert collections.Counter(ours) == collections.Counter(seed)
    joined = "\n".join(re.sub(r"\s", "", t) for t in texts)
    for line in _seed_text().splitlines():
        if line.strip():
            assert re.sub(r"\s", "", line) in joined, line


def test_the_book_has_the_expected_shape(manuscript):
    first, second = manuscript.articles
    assert first.title == "“山”“海”携手，共赴康庄大道"
    assert [s.kind for s in first.sections].count("preface") == 1
    headed = [s for s in first.sections if s.kind == "section" and s.heading]
    assert len(headed) == 3 and all(s.subheading for s in headed)
    assert second.title == "中国方案书写中国故事" and len(second.paragraphs) == 7
    assert not any(re.search(r"\d\s|\s\d", p.text) for a in manuscript.articles for p in a.paragraphs)


def test_made_ids_never_collide_with_another_articles_name(tmp_path):
    # 01-a.md and 02-a.md are named a and a-2; a's second section was a-2 as well, and a 1 MB
    # book of repeated articles printed "Anchor defined twice" for every copy.
    from huozi import build
    from huozi.manuscript import parse_manuscript

    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "book.toml").write_text('[book]\ntitle = "书"\nslug = "b"\n'
                                    'identifier = "urn:uuid:0f6d3e7a-1b1a-4c55-9a3e-2f0c1d9e8b71"\n', encoding="utf-8")
    text = "---\ntitle: 甲\n---\n\n## 一\n\n正文一。\n\n## 二\n\n正文二。\n\n### 小节\n\n正文三。\n"
    for name in ("01-a.md", "02-a.md", "03-a-2.md"):
        (root / "manuscript" / name).write_text(text, encoding="utf-8")
    manuscript = parse_manuscript(root / "manuscript")
    ids = [a.slug for a in manuscript.articles]
    ids += [s.anchor for a in manuscript.articles for s in a.sections]
    ids += [b.anchor for a in manuscript.articles for b in a.walk() if hasattr(b, "anchor") and b.anchor]
    ids += [s.heading.anchor for a in manuscript.articles for s in a.sections if s.heading]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    result = build(root, root / "dist", ["handout"], environ={"SOURCE_DATE_EPOCH": "0"})
    assert not [w for w in result.warnings if "defined twice" in w.message]
