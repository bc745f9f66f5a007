"""Each kind of bad input ends the build with exit status 1 and one message: file:line(:col), a hint.

Every case breaks a fresh copy of the real project, runs the real command line in this process
(`huozi.cli.main`), and checks the exit status, that the message names the right file and line
(computed from the broken file, never typed in), that a hint follows and that no traceback is
shown. The working directory is the project copy, so locations print relative to it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from huozi.cli import EXIT_INPUT, EXIT_INTERNAL, main

ARTICLE = "manuscript/01-shanhai.md"


def _line_of(path: Path, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in `path`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Each breaker damages the project and returns the expected location prefix and a word of the message.
def malformed_front_matter(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    _replace(path, "title:", "title: [unclosed\n  - x: :")
    return f"{ARTICLE}:{_line_of(path, 'title:') + 1}:", "malformed front matter"


def missing_title(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("title:")), encoding="utf-8")
    return f"{ARTICLE}:2", "lacks the required field 'title'"


def unknown_front_matter_field(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    _replace(path, "title:", "titel:")
    return f"{ARTICLE}:{_line_of(path, 'titel:')}", "did you mean 'title'"


def unknown_config_key(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, "subtitle =", "subtitel =")
    return f"book.toml:{_line_of(path, 'subtitel =')}", "did you mean 'subtitle'"


def unknown_config_table(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, "[print]", "[prnit]")
    return f"book.toml:{_line_of(path, '[prnit]')}", "did you mean 'print'"


def wrong_config_type(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, 'trim = "140mm 203mm"', "trim = 140")
    return f"book.toml:{_line_of(path, 'trim = 140')}", "'print.trim' must be a string"


def invalid_toml(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, 'slug = "shanhai"', 'slug = "shanhai')
    return f"book.toml:{_line_of(path, 'slug =')}:", "not valid TOML"


def missing_config(root: Path) -> tuple[str, str]:
    (root / "book.toml").unlink()
    return "book.toml", "no book.toml"


def not_utf8(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    first = next(n for n, line in enumerate(text.splitlines(), 1) if not line.isascii())
    return f"{ARTICLE}:{first}", "not UTF-8"


def unknown_figure(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n::: figure no-such-figure\n:::\n", encoding="utf-8")
    return f"{ARTICLE}:{_line_of(path, '::: figure no-such-figure')}", "unknown figure"


def undefined_template_variable(root: Path) -> tuple[str, str]:
    path = root / "styles" / "blocks.html.j2"
    _replace(path, "{{ article.title | text }}", "{{ article.no_such_field | text }}")
    return f"styles/blocks.html.j2:{_line_of(path, 'no_such_field')}", "undefined variable"


def template_syntax_error(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.html.j2"
    _replace(path, "{% endfor %}", "{% endfro %}")
    return f"styles/handout.html.j2:{_line_of(path, 'endfro')}", "template syntax error"


def template_type_error(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.html.j2"
    _replace(path, "{% for article in articles %}", "{{ articles + 1 }}{% for article in articles %}")
    return f"styles/handout.html.j2:{_line_of(path, 'articles + 1')}", "error in template: TypeError"


def missing_css(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.html.j2"
    _replace(path, '{% include "handout.css" %}', '{% include "no-such.css" %}')
    return f"styles/handout.html.j2:{_line_of(path, 'no-such.css')}", "'no-such.css' does not exist"


def missing_image(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.html.j2"
    _replace(path, '<nav class="toc"', '<img src="images/no-such.png" alt="">\n  <nav class="toc"')
    line = _line_of(path, "no-such.png")
    column = path.read_text(encoding="utf-8").splitlines()[line - 1].index("images/no-such.png") + 1
    return f"styles/handout.html.j2:{line}:{column}:", "cannot read"


def nested_too_deep(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n" + "> " * 10_000 + "深\n", encoding="utf-8")
    return f"{ARTICLE}:", "nested too deeply"


def control_character(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    text = path.read_text(encoding="utf-8")
    line = _line_of(path, "。")
    column = text.splitlines()[line - 1].index("。") + 2
    path.write_text(text.replace("。", "。\f", 1), encoding="utf-8")
    return f"{ARTICLE}:{line}:{column}:", "control character U+000C"


def text_in_figure_block(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n::: figure x\n图下的字\n:::\n", encoding="utf-8")
    return f"{ARTICLE}:{_line_of(path, '图下的字')}", "would be lost"


def _append(root: Path, text: str, marker: str) -> str:
    """Append `text` to the article; file:line of the appended line that starts with `marker`."""
    path = root / ARTICLE
    before = path.read_text(encoding="utf-8") + "\n"
    path.write_text(before + text, encoding="utf-8")
    offset = next(i for i, line in enumerate(text.splitlines()) if line.startswith(marker))
    return f"{ARTICLE}:{before.count(chr(10)) + offset + 1}:"


def unclosed_container(root: Path) -> tuple[str, str]:
    return _append(root, "::: note\n没有结束的注释。\n", "::: note"), "is never closed"


def unknown_admonition(root: Path) -> tuple[str, str]:
    return _append(root, "::: dangerous\n危险。\n:::\n", "::: dangerous"), "unknown ::: block 'dangerous'"


def list_too_deep(root: Path) -> tuple[str, str]:
    items = "".join("  " * depth + "- 层\n" for depth in range(7))
    where = _append(root, "- 第一层\n" + items[len("- 层\n"):] + "\n", "            - ")
    return where, "a list nested 7 deep"


def duplicate_id(root: Path) -> tuple[str, str]:
    return _append(root, "## 甲 {#sec-dup}\n\n正文。\n\n## 乙 {#sec-dup}\n\n正文。\n", "## 乙"), "used twice"


def missing_cross_reference(root: Path) -> tuple[str, str]:
    return _append(root, "详见@sec-nowhere。\n", "详见"), "an id the book does not have"


def missing_figure_reference(root: Path) -> tuple[str, str]:
    return _append(root, "如@fig-nothing所示。\n", "如"), "'fig-nothing'"


def link_to_missing_id(root: Path) -> tuple[str, str]:
    return _append(root, "见[别处](#sec-elsewhere)。\n", "见"), "link to 'sec-elsewhere'"


def empty_heading(root: Path) -> tuple[str, str]:
    return _append(root, "## \n\n正文。\n", "## "), "a heading with no text"


def figure_placed_twice(root: Path) -> tuple[str, str]:
    return _append(root, "::: figure pairings\n:::\n", "::: figure"), "placed twice"


def table_row_too_long(root: Path) -> tuple[str, str]:
    return _append(root, "| 甲 | 乙 |\n|---|---|\n| 1 | 2 | 3 |\n", "| 1 | 2 | 3 |"), "3 cells under a header of 2"


def table_caption_alone(root: Path) -> tuple[str, str]:
    return _append(root, "Table: 没有表的标题\n\n正文。\n", "Table:"), "a table caption line with no table"


def footnote_undefined(root: Path) -> tuple[str, str]:
    return _append(root, "正文[^1]。\n", "正文"), "the footnote [^1] is never defined"


def footnote_never_called(root: Path) -> tuple[str, str]:
    return _append(root, "正文。\n\n[^x]: 注。\n", "[^x]"), "defined but never called"


def footnote_in_heading(root: Path) -> tuple[str, str]:
    return _append(root, "## 标题^[注]\n\n正文。\n", "## 标题"), "a footnote (^[…]) in a heading"


def image_missing(root: Path) -> tuple[str, str]:
    return _append(root, "![图](a.png)\n", "![图]"), "the image 'a.png' does not exist"


def image_outside(root: Path) -> tuple[str, str]:
    return _append(root, "![图](../../../etc/hostname)\n", "![图]"), "outside the project folder"


def image_in_text(root: Path) -> tuple[str, str]:
    return _append(root, "文字![图](a.png)文字\n", "文字"), "an image inside a line of text"


CASES: list[Callable[[Path], tuple[str, str]]] = [
    malformed_front_matter, missing_title, unknown_front_matter_field, unknown_config_key,
    unknown_config_table, wrong_config_type, invalid_toml, missing_config, not_utf8, unknown_figure,
    undefined_template_variable, template_syntax_error, template_type_error, missing_css, missing_image,
    nested_too_deep, control_character, text_in_figure_block,
    unclosed_container, unknown_admonition, list_too_deep, duplicate_id, missing_cross_reference,
    missing_figure_reference, link_to_missing_id, empty_heading, figure_placed_twice, table_row_too_long,
    table_caption_alone,
    footnote_undefined, footnote_never_called, footnote_in_heading, image_missing, image_outside, image_in_text,
]


def _run(root: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "--quiet", str(root), "--out", str(root / "dist"), "--edition", "handout", *extra])
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize("breaker", CASES, ids=lambda f: f.__name__)
def test_bad_input_gives_one_located_message(breaker, project_copy, capsys, monkeypatch):
    where, what = breaker(project_copy)
    monkeypatch.chdir(project_copy)
    code, err = _run(project_copy, capsys)
    assert code == EXIT_INPUT, err
    first, *rest = err.splitlines()
    assert first.startswith(f"huozi: error: {where}"), err
    assert what in err, err
    assert rest and rest[0].startswith("  hint: "), err
    assert "Traceback" not in err
    assert not (project_copy / "dist").exists() or not any((project_copy / "dist").iterdir()), \
        "a failed build must not leave files behind"


def test_debug_shows_the_traceback(project_copy, capsys, monkeypatch):
    undefined_template_variable(project_copy)
    monkeypatch.chdir(project_copy)
    code = main(["--debug", "build", "--quiet", str(project_copy), "--out", str(project_copy / "dist")])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().splitlines()[-2].startswith("huozi: error: styles/blocks.html.j2:")


def test_a_bug_is_reported_as_internal(project_copy, capsys, monkeypatch):
    import huozi.manuscript

    def broken(*args, **kwargs):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(huozi.manuscript, "parse_manuscript", broken)
    code = main(["build", "--quiet", str(project_copy), "--out", str(project_copy / "dist")])
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL
    assert "internal error: ZeroDivisionError: simulated bug" in err
    assert "--debug" in err and "Traceback" not in err


def test_output_folder_that_is_a_file(project_copy, capsys):
    blocker = project_copy / "dist"
    blocker.write_text("not a folder")
    code = main(["build", "--quiet", str(project_copy), "--out", str(blocker / "inner")])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert f"huozi: error: {blocker / 'inner'}: cannot create the output folder" in err
    assert "hint: choose another folder with --out" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_output_folder_without_write_permission(project_copy, capsys):
    out = project_copy / "dist"
    out.mkdir()
    out.chmod(0o555)
    try:
        code = main(["build", "--quiet", str(project_copy), "--out", str(out)])
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert f"huozi: error: {out}: the output folder is not writable" in err


def test_missing_cjk_font_through_fontconfig(project_copy, tmp_path):
    """A machine without the CJK fonts: fontconfig pointed at an empty font folder."""
    (tmp_path / "fonts").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{tmp_path / "fonts"}</dir>'
                    f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n')
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(src)}
    run = subprocess.run([sys.executable, "-m", "huozi", "build", ".", "--out", str(tmp_path / "dist")],
                         cwd=project_copy, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == EXIT_INPUT, run.stderr
    # The family is [fonts] body's default: the message says so and names book.toml.
    assert run.stderr.startswith("huozi: error: book.toml: "), run.stderr
    assert "'Noto Serif CJK SC' (Regular) is not installed (the default [fonts] body)" in run.stderr
    assert "hint: install the Debian package fonts-noto-cjk" in run.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_font_families_are_injectable(config):
    from huozi.errors import FontError
    from huozi.fonts import SERIF, require_cjk_fonts

    assert len(require_cjk_fonts((SERIF,))) == 2  # Regular and Bold of the installed family
    with pytest.raises(FontError, match="'Huozi Missing Song' \\(Regular\\) is not installed"):
        require_cjk_fonts(("Huozi Missing Song",), styles_dir=config.styles_dir)


def test_a_fact_whose_quote_is_gone(project_copy, capsys, monkeypatch):
    """Facts (issue #4) carry the manuscript quote they come from; deleting the quote must fail."""
    import tomllib

    quotes = []
    for data_file in sorted((project_copy / "figures").glob("*.toml")):
        data = tomllib.loads(data_file.read_text(encoding="utf-8"))
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("quote"), str):
                    quotes.append(item["quote"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    assert quotes, "the sample book's facts quote the prose"
    articles = sorted((project_copy / "manuscript").glob("*.md"))
    # The first quote written on one line of a manuscript file (quotes may also span lines).
    quote, article = next((q, a) for q in quotes for a in articles if q in a.read_text(encoding="utf-8"))
    _replace(article, quote, "（此句已删）")
    monkeypatch.chdir(project_copy)
    code, err = _run(project_copy, capsys)
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: manuscript/{article.name}:"), err
    assert quote in err
    assert "Traceback" not in err


def test_error_paths_outside_cwd_stay_absolute(project_copy, capsys, monkeypatch, tmp_path):
    missing_title(project_copy)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, err = _run(project_copy, capsys)
    assert code == EXIT_INPUT
    assert err.startswith(f"huozi: error: {project_copy / ARTICLE}:2: ")



def test_a_bug_in_a_filter_is_not_blamed_on_the_template(project_copy, capsys, monkeypatch):
    import huozi.layout.render

    real = huozi.layout.render.inlines_to_html

    def buggy(inlines, *args, **kwargs):
        if any("东西部" in run.text for run in inlines):
            raise IndexError("simulated bug in the typesetter")
        return real(inlines, *args, **kwargs)

    monkeypatch.setattr(huozi.layout.render, "inlines_to_html", buggy)
    code = main(["build", "--quiet", str(project_copy), "--out", str(project_copy / "dist"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL, err
    assert "internal error: IndexError: simulated bug in the typesetter" in err
