"""Property (issue 19): over generated manuscripts and configs, a build either exits 1 with a
located message (`file:line`), or exits 0 with an EPUB that EPUBCheck passes, no character drawn
by a font without its glyph (tofu), and no character outside the handout's text block.

Whole builds are slow, so the examples are few and derandomized (the same ones every run).
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pdfplumber
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from huozi.cli import EXIT_INPUT, EXIT_OK, main
from huozi.skeleton import create_project
from test_errors_round2 import tofu

MM = 72 / 25.4
HANDOUT_SIDE_MARGIN_MM = 30  # styles/handout.css: @page { margin: 25mm 30mm 28mm }

PIECES = [
    "毕昇发明了泥活字印刷术", "比欧洲早了大约400年", "Latin words and more", "，", "。", "“引号”",
    "𠀀𪚥𤭢", "😀👍🏽🇨🇳", "——" * 60, "Pneumonoultramicroscopic" * 30, "1234567890" * 60,
    "https://example.org/" + "a1b2c3" * 80, "US$5与US$6", "**粗体**", "`code`", "\U00013000", "\f",
]
paragraphs = st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join),
                      min_size=1, max_size=3)
VALID = {"title": '"活字"', "language": '"zh-CN"', "date": '"2020-05-29"', "creators": '["作者"]'}
BROKEN = {"title": '""', "language": '"klingon!!"', "date": '"2020-13-45"', "creators": '["作者", ""]'}
# Mostly valid configs (so most examples reach the outputs), sometimes one broken or unusual field.
configs = st.one_of(
    st.just(VALID),
    st.sampled_from(sorted(BROKEN)).map(lambda key: {**VALID, key: BROKEN[key]}),
    st.sampled_from(['"en"', '"zh-Hant-TW"']).map(lambda tag: {**VALID, "language": tag}),
)


def _make(root: Path, texts: list[str], config: dict[str, str]) -> None:
    create_project(root)
    article = next((root / "manuscript").glob("*.md"))
    article.write_text(article.read_text(encoding="utf-8") + "".join(f"\n{t}\n" for t in texts),
                       encoding="utf-8")
    toml = root / "book.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in config.items():
        text = re.sub(rf"(?m)^{key} = .*$", lambda m, key=key, value=value: f"{key} = {value}", text, count=1)
    toml.write_text(text, encoding="utf-8")


def _inside_text_block(pdf: Path) -> list[str]:
    outside = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, 1):
            left, right = HANDOUT_SIDE_MARGIN_MM * MM - 1, float(page.width) - HANDOUT_SIDE_MARGIN_MM * MM + 1
            outside += [f"page {number}: {c['text']} at x {c['x0']:.0f}–{c['x1']:.0f}" for c in page.chars
                        if c["x0"] < left or c["x1"] > right]
    return outside


@settings(max_examples=2, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=paragraphs, config=configs)
@example(texts=[PIECES[0] + "".join(PIECES[6:13]), "".join(PIECES[13:15])], config=VALID)  # every hard piece
@example(texts=[PIECES[0] + "\U00013000"], config=VALID)  # a character no font has: located error
@example(texts=["| 甲 | 乙 | 丙 |\n|---|---|--:|\n| " + PIECES[8] + " | " + PIECES[9] + " | 12 |\n| " + PIECES[11]
                + " | " + PIECES[6] + PIECES[7] + " | " + PIECES[12] + " |\n\n: 难排的表"], config=VALID)  # hard cells
def test_a_build_fails_with_a_location_or_is_clean(texts, config, tmp_path_factory, capsys, monkeypatch, epubcheck):
    root = tmp_path_factory.mktemp("fuzzbook") / uuid.uuid4().hex[:8]
    _make(root, texts, config)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590710400")
    code = main(["build", "--quiet", ".", "--out", "dist"])
    err = capsys.readouterr().err
    assert code in (EXIT_OK, EXIT_INPUT), err
    assert "Traceback" not in err
    if code == EXIT_INPUT:
        assert re.match(r"huozi: error: (book\.toml|manuscript/[^:]+):\d+", err), err
        return
    assert epubcheck(Path("dist/book.epub")).problems() == []
    for pdf in ("dist/book-handout.pdf", "dist/book-print.pdf"):
        assert tofu(Path(pdf)) == [], pdf
    assert _inside_text_block(Path("dist/book-handout.pdf")) == []
