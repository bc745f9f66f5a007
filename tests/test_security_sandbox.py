"""Templates are sandboxed and bounded; output names stay inside --out; clean removes only ours.

Each case is something a careless or hostile user wrote; each must fail with the file and
line that wrote it, and leave everything outside the output folder (and the previous outputs)
alone.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from huozi.cli import EXIT_INPUT, main
from huozi.config import THEME_DIR, load_config
from huozi.editions import EDITIONS
from huozi.errors import ConfigError, TemplateError
from huozi.layout.render import render_edition
from huozi.manuscript import parse_manuscript
from huozi.quick import STAMP_NAME
from huozi.skeleton import create_project
from huozi.state import file_sha256

MARK = "<!--HERE-->"


@pytest.fixture
def small_book(tmp_path) -> Path:
    """The sample book of `huozi new`, with a marked place in the handout template to inject into."""
    project = create_project(tmp_path / "small")
    handout = project / "styles" / "handout.html.j2"
    # The way a user overrides one template: a copy of the theme's file in styles/.
    text = (THEME_DIR / "handout.html.j2").read_text(encoding="utf-8")
    anchor = '<h1 class="book-title">{{ book.title }}</h1>'
    assert anchor in text
    handout.write_text(text.replace(anchor, anchor + MARK), encoding="utf-8")
    return project


def _inject(project: Path, code: str) -> int:
    """Put `code` into the handout template; return its line number."""
    handout = project / "styles" / "handout.html.j2"
    text = handout.read_text(encoding="utf-8")
    handout.write_text(text.replace(MARK, code), encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if MARK in line)


def _render(project: Path) -> str:
    config = load_config(project)
    return render_edition(config, parse_manuscript(config.manuscript_dir), EDITIONS["handout"])


ESCAPES = [
    # files and commands
    ('{{ (config.root / "../../../etc/passwd").read_text() }}', "has no attribute 'root'"),
    ('{{ lipsum.__globals__["os"].popen("id -un").read() }}', "'lipsum' is undefined"),
    ('{{ cycler.__init__.__globals__.os.popen("id").read() }}', "unsafe"),
    ('{{ joiner.__init__.__globals__ }}', "unsafe"),
    ("{{ namespace.__init__ }}", "unsafe"),
    ("{{ self._TemplateReference__context }}", "unsafe"),
    ("{{ articles[0].path.read_text() }}", "attribute 'path'"),
    ("{{ articles[0].path.parent }}", "attribute 'path'"),
    ("{{ articles[0].__class__.__mro__ }}", "unsafe"),
    ("{{ edition.__dict__ }}", "unsafe"),
    ("{{ book.__class__.__init__.__globals__ }}", "unsafe"),
    ("{% set x = [] %}{{ x.append(1) }}", "unsafe"),
    # work without bound
    ("{% for i in range(10**12) %}x{% endfor %}", "too large"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "range() items"),
    ('{{ "x" * 10**9 }}', "too large"),
    ('{{ ["x"] * 10**9 }}', "too large"),
    ("{{ 9**99 }}", "too large"),
    ('{{ "x"|center(10**9) }}', "too large"),
    ('{{ "x"|indent(10**9) }}', "too large"),
    ('{{ "%999999999d"|format(1) }}', "format width"),
    ('{{ "{:>999999999}".format(1) }}', "format width"),
    ('{{ "x".ljust(10**9) }}', "too large"),
    ('{% include "handout.html.j2" %}', "themselves without end"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "themselves without end"),
]


@pytest.mark.parametrize("code, words", ESCAPES, ids=[c for c, _ in ESCAPES])
def test_template_escapes_are_errors_at_their_line(small_book, code, words):
    line = _inject(small_book, code)
    with pytest.raises(TemplateError) as caught:
        _render(small_book)
    assert words in caught.value.message
    assert caught.value.where.path.name == "handout.html.j2"
    assert caught.value.where.line == line


def test_endless_template_work_is_stopped_by_the_cpu_budget(small_book):
    # Exponential macro recursion: no range, no large number, just work; the budget stops it.
    with (small_book / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[security]\ntemplate_seconds = 1\n")
    line = _inject(small_book, "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}")
    started = time.process_time()
    with pytest.raises(TemplateError, match="CPU time") as caught:
        _render(small_book)
    assert time.process_time() - started < 30
    assert caught.value.where.line == line


def test_templates_see_plain_data(small_book):
    # What the templates legitimately read still works: options, the file name, figure data.
    _inject(small_book, "[{{ config.print.trim }}|{{ config.print.sheet_bleed }}|{{ articles[0].source }}]")
    html = _render(small_book)
    assert "[140mm 203mm|" in html and "|01-sample.md]" in html


def test_a_sandbox_escape_fails_the_build_cleanly(small_book, capsys):
    assert main(["build", str(small_book), "--quiet"]) == 0
    before = _hashes(small_book / "dist")
    line = _inject(small_book, '{{ lipsum.__globals__["os"].popen("id -un").read() }}')
    assert main(["build", str(small_book), "--quiet"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"handout.html.j2:{line}" in err and "Traceback" not in err
    before.pop(STAMP_NAME)  # the no-op stamp, not an output: a build removes it before it may change one
    assert _hashes(small_book / "dist") == before


# --- output names --------------------------------------------------------------------------

def _set_slug(project: Path, slug: str) -> int:
    toml = project / "book.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines) if line.startswith("slug"))
    lines[number] = f"slug = {json.dumps(slug)}"
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


@pytest.mark.parametrize("slug", ["../../escaped", "/tmp/abs", "", "sub/book", ".hidden", "a..b",
                                  "with space", "x" * 81, "-dash", "back\\slash"])
def test_unsafe_slugs_are_refused_at_their_line(small_book, slug):
    line = _set_slug(small_book, slug)
    with pytest.raises(ConfigError, match="book.slug") as caught:
        load_config(small_book)
    assert caught.value.where.line == line and caught.value.hint


@pytest.mark.parametrize("slug", ["annual-report_2025", "山海", "book.v2", "A1"])
def test_plain_slugs_are_accepted(small_book, slug):
    _set_slug(small_book, slug)
    assert load_config(small_book).book.slug == slug


def test_an_escaping_slug_writes_nothing_anywhere(small_book, tmp_path, capsys):
    out = tmp_path / "deep" / "out"
    line = _set_slug(small_book, "../../escaped")
    assert main(["build", str(small_book), "--out", str(out), "--quiet"]) == EXIT_INPUT
    assert f"book.toml:{line}" in capsys.readouterr().err
    assert not list(tmp_path.rglob("escaped*"))
    assert not out.exists() or not any(out.iterdir())


# --- clean ---------------------------------------------------------------------------------

def test_clean_leaves_other_programs_files_and_honours_the_state(small_book, capsys):
    assert main(["build", str(small_book), "--quiet"]) == 0
    dist = small_book / "dist"
    others = [dist / ".editor.swp.tmp", dist / ".other.tmp", dist / "notes.txt"]
    for path in others:
        path.write_text("not huozi's")
    (dist / ".huozi-tmp.book.epub.x.tmp").write_text("a killed build's leftover")
    assert main(["clean", str(small_book)]) == 0
    assert sorted(p.name for p in dist.iterdir()) == sorted(p.name for p in others)
    assert not (small_book / ".huozi-cache").exists()


def test_clean_waits_for_a_build_in_progress(small_book):
    import threading

    from huozi.clean import clean
    from huozi.output import build_lock

    assert main(["build", str(small_book), "--quiet"]) == 0
    dist = small_book / "dist"
    done = threading.Event()
    with build_lock(dist):
        worker = threading.Thread(target=lambda: (clean(small_book), done.set()))
        worker.start()
        time.sleep(0.5)
        assert not done.is_set() and (dist / "book.epub").is_file()  # clean waits for the lock
    worker.join(10)
    assert done.is_set() and not dist.exists()


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir())}  # a folder edition: its files


def test_compiled_templates_come_from_the_users_cache_never_the_projects(small_book, tmp_path, monkeypatch):
    """A template's compiled code is kept in the user's cache (a new process does not compile it
    again) and never read from the project's .huozi-cache, which a repository could fill; a
    damaged entry, or an edited template, is compiled again, and the render is the same."""
    import jinja2

    from huozi.layout import render

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    compiled: list[str] = []
    real = jinja2.Environment._compile
    monkeypatch.setattr(jinja2.Environment, "_compile",
                        lambda self, source, filename: compiled.append(filename) or real(self, source, filename))
    monkeypatch.setattr(render._COMPILED, "_code", {})
    first = _render(small_book)
    kept = sorted((tmp_path / "user-cache" / "huozi" / "templates").iterdir())
    assert compiled and len(kept) == len(set(compiled))
    assert not (small_book / ".huozi-cache" / "templates").exists()

    monkeypatch.setattr(render._COMPILED, "_code", {})      # as a new process
    compiled.clear()
    assert _render(small_book) == first and compiled == []

    for entry in kept:
        entry.write_bytes(entry.read_bytes()[:-1] + b"x")    # damaged: compiled again
    monkeypatch.setattr(render._COMPILED, "_code", {})
    assert _render(small_book) == first and len(compiled) == len(kept)

    _inject(small_book, "[edited]")                           # another checksum: compiled again
    monkeypatch.setattr(render._COMPILED, "_code", {})
    compiled.clear()
    assert "[edited]" in _render(small_book)
    assert [Path(name).name for name in compiled] == ["handout.html.j2"]
