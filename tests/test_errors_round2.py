"""Careless and hostile input, round two (issue 19): each case breaks a fresh copy of the real
project that already holds a complete earlier build, runs the real command line, and checks the
exit status, the `file:line` of the message (computed from the broken file), that no traceback is
shown and that the earlier outputs are byte for byte what they were.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from huozi.cli import EXIT_INPUT, main
from huozi.output import LOCK_NAME, TMP_PREFIX
from huozi.state import file_sha256

ARTICLE = "manuscript/01-shanhai.md"
FACTS = "figures/facts.toml"


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir())}  # a folder edition: its files


@dataclass(frozen=True)
class Case:
    """`breaker(root)` damages the project and returns the expected location prefix and words."""

    breaker: Callable[[Path], tuple[str, str]]
    editions: tuple[str, ...] = ("handout",)
    env: dict[str, str] = field(default_factory=dict)
    out: str | None = None  # --out relative to the project, instead of the folder of the earlier build


# --- item 4: the commit is all-or-nothing ----------------------------------------------------

def epub_is_a_folder(root: Path) -> tuple[str, str]:
    target = root / "dist" / "shanhai.epub"
    target.unlink()
    target.mkdir()
    return "dist/shanhai.epub:", "a folder of that name is in the way"


CASES: list[Case] = [
    Case(epub_is_a_folder, editions=()),
]


# --- item 9: input errors are input errors (exit 1 with the file), never "internal error" --------

def _to_gbk(path: Path) -> int:
    """Save `path` as GB 18030; return the first line the UTF-8 reader cannot read."""
    data = path.read_text(encoding="utf-8").encode("gb18030")
    path.write_bytes(data)
    try:  # some GB 18030 pairs happen to be valid UTF-8: the line is where decoding fails
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    raise AssertionError(f"{path} still reads as UTF-8")


def gbk_facts(root: Path) -> tuple[str, str]:
    return f"{FACTS}:{_to_gbk(root / FACTS)}:", "not UTF-8"


def gbk_figure_spec(root: Path) -> tuple[str, str]:
    return f"figures/purchases-2019.toml:{_to_gbk(root / 'figures' / 'purchases-2019.toml')}:", "not UTF-8"


def gbk_template(root: Path) -> tuple[str, str]:
    return f"styles/blocks.html.j2:{_to_gbk(root / 'styles' / 'blocks.html.j2')}:", "not UTF-8"


def gbk_css(root: Path) -> tuple[str, str]:
    return f"styles/handout.css:{_to_gbk(root / 'styles' / 'handout.css')}:", "not UTF-8"


def year_in_han_numerals(root: Path) -> tuple[str, str]:
    path = root / FACTS
    _replace(path, "year = 2019", 'year = "二〇一九"')
    return f"{FACTS}:{_line_of(path, '二〇一九')}:", "'year' must be a year written in digits"


def caption_is_a_number(root: Path) -> tuple[str, str]:
    path = root / "figures" / "purchases-2019.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("caption = ")
    path.write_text(text[:start] + "caption = 2019" + text[text.index("\n", start):], encoding="utf-8")
    return f"figures/purchases-2019.toml:{_line_of(path, 'caption = 2019')}:", "'caption' must be text"


def template_includes_itself(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.html.j2"
    _replace(path, '{% include "handout.css" %}', '{% include "handout.css" %}{% include "handout.html.j2" %}')
    line = _line_of(path, '{% include "handout.html.j2" %}')
    return f"styles/handout.html.j2:{line}:", "includes itself"


def templates_include_each_other(root: Path) -> tuple[str, str]:
    _append(root / "styles" / "handout.css", '\n{% include "base.css" %}\n')
    _append(root / "styles" / "base.css", '\n{% include "handout.css" %}\n')
    return "styles/", "includes itself"


def source_date_epoch_too_large(root: Path) -> tuple[str, str]:
    return "SOURCE_DATE_EPOCH must be", "1970 to 9999"


def cr_only_line_endings(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    _append(path, "\n::: figure no-such-figure\n:::\n")
    line = _line_of(path, "no-such-figure")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    return f"{ARTICLE}:{line}", "unknown figure"


def crlf_facts_with_an_error(root: Path) -> tuple[str, str]:
    path = root / FACTS
    _replace(path, "year = 2019", "year = 20.19")
    line = _line_of(path, "year = 20.19")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return f"{FACTS}:{line}:", "'year' must be a year"


# --- item 7: metadata the formats require ----------------------------------------------------

def _book_key(root: Path, key: str, value: str) -> tuple[str, int]:
    path = root / "book.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n{key} = ") + 1
    path.write_text(text[:start] + f"{key} = {value}" + text[text.index("\n", start):], encoding="utf-8")
    return "book.toml", _line_of(path, f"{key} = {value}")


def empty_title(root: Path) -> tuple[str, str]:
    name, line = _book_key(root, "title", '""')
    return f"{name}:{line}:", "'book.title' is empty"


def empty_identifier(root: Path) -> tuple[str, str]:
    name, line = _book_key(root, "identifier", '"  "')
    return f"{name}:{line}:", "'book.identifier' is empty"


def language_not_bcp47(root: Path) -> tuple[str, str]:
    name, line = _book_key(root, "language", '"klingon!!"')
    return f"{name}:{line}:", "BCP 47"


def impossible_date(root: Path) -> tuple[str, str]:
    name, line = _book_key(root, "date", '"2020-13-45"')
    return f"{name}:{line}:", "real date written YYYY-MM-DD"


def empty_creator(root: Path) -> tuple[str, str]:
    name, line = _book_key(root, "creators", '["朱宏博", ""]')
    return f"{name}:{line}:", "empty name"


def figure_id_with_a_space(root: Path) -> tuple[str, str]:
    path = root / "figures" / "purchases-2019.toml"
    _replace(path, 'id = "purchases-2019"', 'id = "purchases 2019"')
    return f"figures/purchases-2019.toml:{_line_of(path, 'id = ')}:", "may hold only letters"


def figure_id_with_quotes(root: Path) -> tuple[str, str]:
    path = root / "figures" / "purchases-2019.toml"
    _replace(path, 'id = "purchases-2019"', "id = 'pur\"chases'")
    return f"figures/purchases-2019.toml:{_line_of(path, 'id = ')}:", "may hold only letters"


# --- item 8: nothing changes silently --------------------------------------------------------

def placeholder_typo(root: Path) -> tuple[str, str]:
    path = root / "figures" / "purchases-2019.toml"
    _replace(path, "{east-purchases-2019.year}", "{east-purchases-2019.yaer}")
    return f"figures/purchases-2019.toml:{_line_of(path, 'alt = ')}:", "did you mean '{east-purchases-2019.year}'"


def placeholder_in_capitals(root: Path) -> tuple[str, str]:
    path = root / "figures" / "purchases-2019.toml"
    _replace(path, "{central-purchases-2019}", "{Central-Purchases-2019}")
    return f"figures/purchases-2019.toml:{_line_of(path, 'alt = ')}:", "is not a placeholder"


def unplaced_figure(root: Path) -> tuple[str, str]:
    article = root / ARTICLE
    _replace(article, "::: figure longnan-2019\n:::\n", "")
    spec = root / "figures" / "longnan-2019.toml"
    return f"figures/longnan-2019.toml:{_line_of(spec, 'number =')}:", "never placed"


def numbering_gap(root: Path) -> tuple[str, str]:
    spec = root / "figures" / "timeline.toml"
    text = spec.read_text(encoding="utf-8")
    number = int(text.split("number = ")[1].split("\n")[0])
    _replace(spec, f"number = {number}", f"number = {number + 1}")
    return f"figures/timeline.toml:{_line_of(spec, 'number =')}:", f"should be 图{number}"


def css_import(root: Path) -> tuple[str, str]:
    path = root / "styles" / "handout.css"
    _append(path, '\n/* @import in a comment is fine */\n@import url("extra.css");\n')
    (root / "styles" / "extra.css").write_text("p { color: red }\n", encoding="utf-8")
    line = _line_of(path, '@import url("extra.css")')
    return f"styles/handout.css:{line}:1:", "@import is not supported"


def trim_not_a_number(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, 'trim = "140mm 203mm"', 'trim = "nanmm nanmm"')
    return f"book.toml:{_line_of(path, 'trim =')}:", "'print.trim' must be a width and a height"


def trim_zero(root: Path) -> tuple[str, str]:
    path = root / "book.toml"
    _replace(path, 'trim = "140mm 203mm"', 'trim = "0 0"')
    return f"book.toml:{_line_of(path, 'trim =')}:", "'print.trim' must be from 105mm"


CASES += [
    Case(gbk_facts), Case(gbk_figure_spec), Case(gbk_template), Case(gbk_css),
    Case(year_in_han_numerals), Case(caption_is_a_number), Case(template_includes_itself),
    Case(templates_include_each_other),
    Case(source_date_epoch_too_large, env={"SOURCE_DATE_EPOCH": "99999999999999"}),
    Case(cr_only_line_endings), Case(crlf_facts_with_an_error),
    Case(empty_title), Case(empty_identifier), Case(language_not_bcp47),
    Case(impossible_date, env={"SOURCE_DATE_EPOCH": "1590710400"}), Case(empty_creator),
    Case(figure_id_with_a_space), Case(figure_id_with_quotes),
    Case(placeholder_typo), Case(placeholder_in_capitals), Case(unplaced_figure), Case(numbering_gap),
    Case(css_import), Case(trim_not_a_number), Case(trim_zero),
]


def _image_in_handout(root: Path, name: str, data: bytes) -> str:
    (root / "styles" / "images").mkdir(exist_ok=True)
    (root / "styles" / "images" / name).write_bytes(data)
    path = root / "styles" / "handout.html.j2"
    _replace(path, '<nav class="toc"', f'<img src="images/{name}" alt="">\n  <nav class="toc"')
    line = _line_of(path, name)
    column = path.read_text(encoding="utf-8").split("\n")[line - 1].index(f"images/{name}") + 1
    return f"styles/handout.html.j2:{line}:{column}:"


def _png(size: tuple[int, int], mode: str = "L") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def corrupt_png(root: Path) -> tuple[str, str]:
    data = bytearray(_png((64, 64)))
    data[40:60] = b"\x00" * 20  # inside the image data: its checksum no longer matches
    return _image_in_handout(root, "broken.png", bytes(data)), "the file is damaged"


def truncated_png(root: Path) -> tuple[str, str]:
    return _image_in_handout(root, "half.png", _png((64, 64))[:60]), "cannot use the image"


def decompression_bomb(root: Path) -> tuple[str, str]:
    return _image_in_handout(root, "bomb.png", _png((10_000, 10_000), "1")), "megapixels"


def svg_with_doctype(root: Path) -> tuple[str, str]:
    svg = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
           b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>\n')
    return _image_in_handout(root, "laughs.svg", svg), "DOCTYPE"


def text_file_named_png(root: Path) -> tuple[str, str]:
    return _image_in_handout(root, "notes.png", "这不是图片".encode()), "not an image file"


CASES += [Case(corrupt_png), Case(truncated_png), Case(decompression_bomb), Case(svg_with_doctype),
          Case(text_file_named_png)]


# --- item 12: the output folder is never inside the sources -----------------------------------

def out_inside_manuscript(root: Path) -> tuple[str, str]:
    return "manuscript/out:", "is inside the book's sources (manuscript/)"


def out_inside_styles(root: Path) -> tuple[str, str]:
    return "styles:", "is inside the book's sources (styles/)"


CASES += [Case(out_inside_manuscript, out="manuscript/out"), Case(out_inside_styles, out="styles")]


# --- item 6: which files of manuscript/ are articles ------------------------------------------

def fifo_named_like_an_article(root: Path) -> tuple[str, str]:
    os.mkfifo(root / "manuscript" / "05-pipe.md")
    return "manuscript/05-pipe.md:", "not a regular file"


def dangling_link_named_like_an_article(root: Path) -> tuple[str, str]:
    (root / "manuscript" / "05-gone.md").symlink_to("no-such-file.md")
    return "manuscript/05-gone.md:", "a link to a file that does not exist"


CASES += [Case(fifo_named_like_an_article), Case(dangling_link_named_like_an_article)]


# --- item 5: nothing the author wrote is lost off the page or as an empty box -------------------

def character_no_font_has(root: Path) -> tuple[str, str]:
    path = root / ARTICLE
    text = path.read_text(encoding="utf-8")
    line = _line_of(path, "。")
    column = text.split("\n")[line - 1].index("。") + 2
    path.write_text(text.replace("。", "。\U00013000", 1), encoding="utf-8")  # 𓀀, Egyptian hieroglyph A001
    return f"{ARTICLE}:{line}:{column}:", "U+13000 EGYPTIAN HIEROGLYPH A001"


CASES += [Case(character_no_font_has)]


@pytest.fixture
def previous(built, project_copy) -> Path:
    """The project's dist/ holding a complete earlier build (the session's real outputs)."""
    out = project_copy / "dist"
    out.mkdir()
    for path in built.values():
        if path.is_dir():  # the html edition
            shutil.copytree(path, out / path.name)
        else:
            shutil.copy2(path, out / path.name)
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.breaker.__name__)
def test_bad_input_is_located_and_changes_nothing(case, project_copy, previous, capsys, monkeypatch):
    where, what = case.breaker(project_copy)
    before = _hashes(previous)
    monkeypatch.chdir(project_copy)
    for name, value in {"SOURCE_DATE_EPOCH": "1590710400", **case.env}.items():
        monkeypatch.setenv(name, value)
    editions = [arg for name in case.editions for arg in ("--edition", name)]
    out = case.out or str(previous)
    code = main(["build", "--quiet", ".", "--out", out, *editions])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: {where}"), err
    assert what in err, err
    assert "\n  hint: " in err, err
    assert "Traceback" not in err
    assert _hashes(previous) == before, "the earlier outputs changed"
    assert not [p.name for p in previous.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]


def test_a_character_no_font_has_is_refused_before_any_edition_is_said_to_start(project_copy, previous, capsys,
                                                                                 monkeypatch):
    """The styles and coverage checks run beside the workers' layouts (pipeline.py), but the
    editions are announced only once they passed: the error is the first thing said."""
    where, _ = character_no_font_has(project_copy)
    monkeypatch.chdir(project_copy)
    code = main(["build", ".", "--out", str(previous), "--edition", "handout", "--edition", "print"])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: {where}"), err
    assert "building" not in err, err


def test_a_failing_move_puts_back_the_files_already_moved(tmp_path, monkeypatch):
    """All targets pass the check, then the third move fails: the first two are rolled back."""
    import huozi.output
    from huozi.errors import OutputError
    from huozi.output import output_transaction, write_atomic

    for name in ("a", "b"):
        (tmp_path / name).write_bytes(b"old " + name.encode())
    real_replace = os.replace

    def failing(src, dst):
        if Path(dst).name == "c":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(huozi.output.os, "replace", failing)
    with pytest.raises(OutputError, match="cannot write c: No space left on device"):
        with output_transaction(tmp_path):
            for name in ("a", "b", "c"):
                write_atomic(tmp_path / name, lambda tmp, n=name: tmp.write_bytes(b"new " + n.encode()))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {"a": b"old a", "b": b"old b"}


# --- item 11: a number with more than six digits is the number the data says ------------------

def test_a_fact_value_is_printed_as_written_not_rounded(project_copy):
    from huozi.figures.facts import check_facts, load_facts
    from huozi.manuscript import parse_manuscript

    for path in (project_copy / FACTS, project_copy / ARTICLE):
        path.write_text(path.read_text(encoding="utf-8").replace("1.5亿元", "1.523456亿元")
                        .replace("value = 1.5\n", "value = 1.523456\n"), encoding="utf-8")
    book = load_facts(project_copy / "figures")
    assert book.facts["longnan-sales-total-2019"].text == "1.523456亿元"
    check_facts(book, parse_manuscript(project_copy / "manuscript").files)  # no FigureError


# --- handled, not refused ------------------------------------------------------------------------

def test_dollar_signs_in_a_label_are_text_not_math(project_copy):
    """`US$5与US$6` is two prices; `$\\frac{$` is not a broken formula but text as typed."""
    from huozi.figures.facts import load_facts
    from huozi.figures.plot import draw
    from huozi.figures.spec import load_specs

    label = "US$5与US$6 $\\frac{$"
    path = project_copy / FACTS
    blocks = path.read_text(encoding="utf-8").split("[[fact]]")
    for index, block in enumerate(blocks):
        if 'id = "east-purchases-2019"' in block:
            kept = [line for line in block.split("\n") if not line.startswith(("label =", "short ="))]
            blocks[index] = "\n".join(kept[:2] + [f"label = '{label}'"] + kept[2:])
    path.write_text("[[fact]]".join(blocks), encoding="utf-8")
    book = load_facts(project_copy / "figures")
    assert book.facts["east-purchases-2019"].name == label
    svg = draw(load_specs(project_copy / "figures", book)["purchases-2019"], book)
    assert "US$5与US$6 $\\frac{$" in svg  # one text run, as typed


def test_a_state_file_that_is_not_an_object_means_rebuild(project_copy, previous, capsys, monkeypatch):
    (previous / ".huozi-state.json").write_text("[]", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590710400")
    code = main(["build", "--quiet", str(project_copy), "--out", str(previous), "--edition", "epub"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err


def test_a_byte_order_mark_is_accepted_everywhere(project_copy):
    from huozi.config import load_config
    from huozi.figures.facts import load_facts
    from huozi.manuscript import parse_manuscript

    for name in ("book.toml", ARTICLE, FACTS, "figures/purchases-2019.toml"):
        path = project_copy / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_config(project_copy).book.title == "山海携手"
    manuscript = parse_manuscript(project_copy / "manuscript")
    assert not any("\ufeff" in a.title for a in manuscript.articles)
    assert load_facts(project_copy / "figures").facts


def test_a_byte_order_mark_in_a_stylesheet_is_named(project_copy):
    from huozi.errors import TemplateError
    from huozi.layout.stylecheck import check_styles

    css = project_copy / "styles" / "handout.css"
    css.write_bytes(b"\xef\xbb\xbf" + css.read_bytes())
    with pytest.raises(TemplateError, match="byte-order mark") as caught:
        check_styles(project_copy / "styles")
    assert caught.value.where.path == css and caught.value.where.line == 1


# --- item 10: no traceback when CI or `timeout` stops the whole process group ---------------------

def test_sigterm_to_the_process_group_while_a_worker_is_idle(project_copy, previous):
    """The handout's worker has finished (its PDF is staged) and waits; print is still being made."""
    import signal
    import subprocess
    import sys
    import time

    before = _hashes(previous)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"), "CI": "true"}
    # The two PDFs only: the handout's lane then has nothing more to do once its PDF is staged,
    # while print, its text set four times as large here (four times the pages), is still laid out.
    with (project_copy / "styles" / "print.css").open("a", encoding="utf-8") as css:
        css.write("\n.article p { font-size: 4em; }\n")
    command = [sys.executable, "-m", "huozi", "build", str(project_copy), "--out", str(previous),
               "--force", "--jobs", "2", "--edition", "handout", "--edition", "print"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    def cpu_ticks(pid: int) -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def children(pid: int) -> list[int]:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def workers() -> list[int]:
        """The first worker, the build's child, and the lane it forked (huozi.lanes)."""
        return [pid for first in children(process.pid) for pid in (first, *children(first))]

    deadline = time.monotonic() + 150
    idle = False
    while not idle:  # the handout is staged and its worker uses no CPU while print is laid out
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no worker became idle"
        staged = any(p.name.startswith(f"{TMP_PREFIX}shanhai-handout.pdf") for p in previous.iterdir())
        if not staged:
            time.sleep(0.02)
            continue
        pids = workers()
        first = {pid: cpu_ticks(pid) for pid in pids}
        time.sleep(0.2)
        second = {pid: cpu_ticks(pid) for pid in pids}
        idle = len(pids) == 2 and any(second[p] == first[p] for p in pids) \
            and any(second[p] > first[p] for p in pids)
    os.killpg(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "Traceback" not in err and "ForkProcess" not in err, err
    assert "terminated; earlier outputs were left as they were" in err
    assert _hashes(previous) == before
    assert not [p.name for p in previous.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]



def test_watch_refuses_an_output_folder_inside_the_sources(project_copy, capsys, monkeypatch):
    monkeypatch.chdir(project_copy)
    code = main(["watch", "--quiet", ".", "--out", "manuscript/out"])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert err.startswith("huozi: error: manuscript/out: the output folder"), err
    assert not (project_copy / "manuscript" / "out").exists()


def test_watch_sees_a_save_made_during_the_first_build(project_copy):
    import threading
    import time

    from huozi.watch import watch_and_build

    article = project_copy / ARTICLE
    calls: list[float] = []
    stop = threading.Event()

    def rebuild() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:  # the author saves while the first build runs
            _append(article, "\n新的一段。\n")
            time.sleep(0.5)

    thread = threading.Thread(target=watch_and_build, args=(project_copy, rebuild, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    assert len(calls) >= 2, "the save made during the first build was missed"



def _article(title: str, body: str = "这是一段正文。") -> str:
    return f"---\ntitle: {title}\n---\n\n{body}\n"


def test_articles_are_md_and_markdown_files_in_any_case_never_hidden_or_editor_files(project_copy):
    from huozi.manuscript import parse_manuscript

    folder = project_copy / "manuscript"
    (folder / "03-extra.MD").write_text(_article("大写扩展名"), encoding="utf-8")
    (folder / "04-more.markdown").write_text(_article("长扩展名"), encoding="utf-8")
    (folder / ".notes.md").write_text("not front matter at all", encoding="utf-8")
    (folder / ".#01-shanhai.md").symlink_to("root@host.1234:1700000000")  # an Emacs lock
    (folder / "01-shanhai.md~").write_text("a backup", encoding="utf-8")
    (folder / "#02-fangan.md#").write_text("an autosave", encoding="utf-8")
    manuscript = parse_manuscript(folder)
    assert [p.name for p in manuscript.files] == ["01-shanhai.md", "02-fangan.md", "03-extra.MD", "04-more.markdown"]
    assert len({a.slug for a in manuscript.articles}) == 4




def test_article_names_never_collide_in_the_epub(project_copy, tmp_path, capsys, monkeypatch, epubcheck):
    """Han-named files and files named like the EPUB's own pages: every one a chapter, EPUBCheck clean."""
    import zipfile

    folder = project_copy / "manuscript"
    for name, title in [("03-第三篇.md", "第三篇"), ("04-第四篇.md", "第四篇"), ("05-title.md", "题名"),
                        ("06-cover.md", "封面文章"), ("07-nav.md", "导航")]:
        (folder / name).write_text(_article(title, f"{title}的正文。"), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590710400")
    out = tmp_path / "out"
    code = main(["build", "--quiet", str(project_copy), "--out", str(out), "--edition", "epub"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Duplicate name" not in err and "warning" not in err, err
    with zipfile.ZipFile(out / "shanhai.epub") as epub:
        names = epub.namelist()
        assert len(names) == len(set(names))
        title_page = epub.read("EPUB/text/title.xhtml").decode()
        assert "山海携手" in title_page and "题名的正文" not in title_page
        chapters = [n for n in names if n.startswith("EPUB/text/chapter-")]
        assert len(chapters) == 7
    assert epubcheck(out / "shanhai.epub").problems() == []



RARE = "𠀀𪚥𤭢，😀👍🏽🇨🇳"  # CJK Extension B, emoji with a skin tone, a flag
LONG = {"url": "https://example.org/" + "a1b2c3d4e5" * 300, "word": "Pneumonoultramicroscopic" * 120,
        "digits": "1234567890" * 300, "dashes": "——" * 300}


def tofu(pdf: Path) -> list[tuple[str, str]]:
    """(character, font) of every character drawn by a font that has no glyph for it."""
    import subprocess

    import pdfplumber
    from fontTools.ttLib import TTFont

    listing = subprocess.run(["fc-list", "--format", "%{family[0]}|%{style[0]}|%{file}|%{index}\n"],
                             capture_output=True, text=True).stdout
    files = {}
    for row in listing.splitlines():
        family, style, file, index = row.split("|")
        for key in (family, f"{family}-{style}", f"{family} {style}"):
            files.setdefault(key.replace(" ", "-"), (file, int(index)))
    cmaps: dict[str, set[int]] = {}
    missing = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            for char in page.chars:
                name = char["fontname"].split("+")[-1]
                if name not in cmaps:  # WeasyPrint names a face family-style ("HanaMinA-Medium")
                    key = name if name in files else max((k for k in files if name.startswith(k + "-")), key=len)
                    file, index = files[key]
                    font = TTFont(file, fontNumber=index, lazy=True)
                    cmaps[name] = set(font.getBestCmap())
                for code in map(ord, char["text"]):
                    if code > 0x20 and code not in cmaps[name] and not 0xFE00 <= code <= 0xFE0F:
                        missing.append((chr(code), name))
    return missing


def test_rare_characters_and_emoji_are_drawn_by_fonts_that_have_them(project_copy, tmp_path):
    from huozi import build

    _append(project_copy / ARTICLE, f"\n罕用字与表情：{RARE}。\n")
    result = build(project_copy, tmp_path / "out", ["handout"], environ={"SOURCE_DATE_EPOCH": "1590710400"})
    pdf = result.outputs[0].path
    import subprocess

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for char in "𠀀𪚥𤭢😀🇨🇳":
        assert char in text
    assert tofu(pdf) == []
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "HanaMinB" in fonts and "Noto-Color-Emoji" in fonts


def test_long_runs_stay_inside_the_text_block_and_overflow_is_a_lint_error(project_copy):
    from huozi.checks.lint import lint
    from huozi.config import load_config
    from huozi.manuscript import parse_manuscript

    _append(project_copy / ARTICLE, "".join(f"\n\n{name}：{run}\n" for name, run in LONG.items()))
    config = load_config(project_copy)
    report = lint(config, parse_manuscript(config.manuscript_dir), ("handout",))["handout"]
    assert report.count("overflow") == 0, [str(f) for f in report.findings if f.rule == "overflow"]
    # Text set so that it cannot break: the lint finds it, and `huozi check` calls it an error.
    css = project_copy / "styles" / "base.css"
    css.write_text(css.read_text(encoding="utf-8") + "\np { white-space: nowrap; }\n", encoding="utf-8")
    config = load_config(project_copy)
    report = lint(config, parse_manuscript(config.manuscript_dir), ("handout",))["handout"]
    overflowing = [f for f in report.findings if f.rule == "overflow"]
    assert overflowing and all(f.where is not None and f.where.line for f in overflowing)
