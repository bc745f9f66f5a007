"""The built-in theme and a project's styles/: overrides file by file, custom.css last, staleness."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from huozi import state
from huozi.config import THEME_DIR, load_config
from huozi.editions import EDITIONS
from huozi.errors import TemplateError
from huozi.layout.render import render_edition
from huozi.manuscript import parse_manuscript
from huozi.skeleton import create_project


@pytest.fixture
def small_book(tmp_path) -> Path:
    return create_project(tmp_path / "small")


def _html(project: Path, edition: str = "handout") -> str:
    config = load_config(project)
    return render_edition(config, parse_manuscript(config.manuscript_dir), EDITIONS[edition])


def test_a_new_project_holds_only_its_custom_stylesheet(small_book):
    assert [p.relative_to(small_book).as_posix() for p in (small_book / "styles").rglob("*")] == ["styles/custom.css"]
    html = _html(small_book)
    assert "活字印刷" in html and "text-indent: 2em" in html  # the theme's templates and CSS


def test_custom_css_comes_after_the_theme_in_every_edition(small_book):
    (small_book / "styles" / "custom.css").write_text("p.mine { color: #123456; }\n", encoding="utf-8")
    for edition in ("handout", "print"):
        html = _html(small_book, edition)
        assert html.index("p.mine { color: #123456; }") > html.index("text-indent: 2em")


def test_one_overridden_file_replaces_only_that_file(small_book):
    print_css = (THEME_DIR / "print.css").read_text(encoding="utf-8")
    (small_book / "styles" / "print.css").write_text(print_css + "\n/* OVERRIDDEN */\n", encoding="utf-8")
    assert "/* OVERRIDDEN */" in _html(small_book, "print")
    assert "/* OVERRIDDEN */" not in _html(small_book, "handout")
    assert "text-indent: 2em" in _html(small_book, "print")  # base.css still from the theme


def test_an_error_in_the_theme_names_the_theme_file(small_book):
    # An override that calls a macro the theme's blocks do not have: the error is in the override.
    (small_book / "styles" / "handout.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block front %}{{ blocks.nope() }}{% endblock %}\n', encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        _html(small_book)
    assert caught.value.where.path.name == "handout.html.j2" and caught.value.where.line == 1


def test_the_theme_is_an_input_of_each_edition(small_book, tmp_path, monkeypatch):
    theme = tmp_path / "theme"
    shutil.copytree(THEME_DIR, theme)
    monkeypatch.setattr(state, "THEME_DIR", theme)
    config = load_config(small_book)

    def key(edition: str) -> str:
        return state.inputs_key(config, edition, 0, ())

    before = {e: key(e) for e in EDITIONS}
    (theme / "handout.css").write_text("/* changed */", encoding="utf-8")
    after = {e: key(e) for e in EDITIONS}
    assert after["handout"] != before["handout"]
    assert after["print"] == before["print"] and after["epub"] == before["epub"]


def test_a_template_edited_between_renders_of_one_process_is_compiled_again(small_book):
    """Templates are compiled once per process and found again by their text: an edit (same
    length, same mtime) between two renders is what the second render shows."""
    import os

    theme = (THEME_DIR / "blocks.html.j2").read_text(encoding="utf-8")
    assert '<h1 class="title"' in theme
    override = small_book / "styles" / "blocks.html.j2"
    override.write_text(theme, encoding="utf-8")
    first = _html(small_book)
    again = _html(small_book)
    assert again == first and '<h1 class="title"' in first
    stat = override.stat()
    override.write_text(theme.replace('<h1 class="title"', '<h1 class="TITLE"', 1), encoding="utf-8")
    os.utime(override, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = _html(small_book)
    assert '<h1 class="TITLE"' in edited and '<h1 class="title"' not in edited
