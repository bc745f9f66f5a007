"""The clreq typeset hook: spans and zero-width controls, never a changed character."""
from __future__ import annotations

import re

import pytest

from huozi import build
from huozi.errors import ConfigError
from huozi.text.typeset import BREAK_HERE, WORD_JOINER, ZERO_WIDTH, TypesetRules, typeset

TAG = re.compile(r"<[^>]+>")


def plain(markup: str) -> str:
    """What a reader extracts: the markup without tags, zero-width controls and escapes."""
    text = TAG.sub("", str(markup))
    text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
    return "".join(ch for ch in text.replace("&amp;", "&") if ch not in ZERO_WIDTH)


def test_every_manuscript_text_comes_through_unchanged(manuscript):
    texts = [p.text for a in manuscript.articles for p in a.paragraphs]
    texts += [a.title for a in manuscript.articles] + [a.subtitle for a in manuscript.articles]
    assert len(texts) > 30
    for text in texts:
        assert plain(typeset(text)) == text


@pytest.mark.parametrize("text, spans", [
    ("自2016年起", ['<span class="hw hw-l hw-r">2016</span>']),
    ("达到了1.5亿元", ['<span class="hw hw-l hw-r">1.5</span>']),
    ("（项目）13个", ['<span class="hw hw-r">13</span>']),
    ("约占71%的地区", ['<span class="hw hw-l">71%</span>']),
    ("■本报记者", []),
])
def test_han_western_runs_get_margin_spans(text, spans):
    assert re.findall(r'<span class="hw[^"]*">[^<]*</span>', str(typeset(text))) == spans


def test_autospace_off_adds_no_spans():
    assert "span" not in str(typeset("自2016年起", TypesetRules(autospace=False)))


def test_halt_on_the_first_of_two_adjacent_marks_only():
    html = str(typeset("说：“好。”他笑，又问？’‘为何"))
    assert re.findall(r'<span class="halt">(.)</span>', html) == ["：", "。", "’"]
    assert str(typeset("甲，乙。")).count("halt") == 0


def test_break_controls():
    html = str(typeset("演绎了一个“山珍”遇上，上海与云南……一场——东西"))
    assert f"个{BREAK_HERE}“{WORD_JOINER}山" in html       # break allowed before “, never after it
    assert f"珍{WORD_JOINER}”{BREAK_HERE}遇" in html       # never before ”, allowed after it
    assert f"上{WORD_JOINER}，" in html                     # never before ，
    assert "……" in html and "——" in html                   # the pairs stay one ligature, unsplit


def test_strict_level_also_keeps_the_solidus_off_a_line_start():
    assert f"{WORD_JOINER}／" not in str(typeset("甲／乙丙"))
    assert f"{WORD_JOINER}／" in str(typeset("甲／乙丙", TypesetRules(line_break="strict")))


@pytest.mark.parametrize("text, tail", [
    ("已经形成。", "形成"),
    ("接待游客20万人次。", "人次"),
    ("必须长期坚持下去。”", "下去"),
])
def test_last_two_characters_are_joined(text, tail):
    joined = tail[0] + WORD_JOINER + tail[1]
    assert joined in str(typeset(text))
    assert joined not in str(typeset(text, TypesetRules(keep_last_two=False)))


def test_unknown_line_break_level_is_a_config_error(project_copy, tmp_path):
    config = project_copy / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[typography]\nline_break = "loose"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build(project_copy, tmp_path / "out", editions=["print"])
    assert "line_break" in str(caught.value) and "basic" in str(caught.value)
    assert caught.value.where.path.name == "book.toml" and caught.value.where.line is not None
