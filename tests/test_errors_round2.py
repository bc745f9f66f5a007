"""Careless and hostile input, round two (issue 19): each case breaks a fresh copy of the real
project that already holds a complete earlier build, runs the real command line, and checks the
exit status, the `file:line` of the message (computed from the broken file), that no traceback is
shown and that the earlier outputs are byte for byte what they were.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from huozi.cli import EXIT_INPUT, main
from huozi.output import LOCK_NAME, TMP_PREFIX

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
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@dataclass(frozen=True)
class Case:
    """`breaker(root)` damages the project and returns the expected location prefix and words."""

    breaker: Callable[[Path], tuple[str, str]]
    editions: tuple[str, ...] = ("handout",)
    env: dict[str, str] = field(default_factory=dict)


# --- item 4: the commit is all-or-nothing ----------------------------------------------------

def epub_is_a_folder(root: Path) -> tuple[str, str]:
    target = root / "dist" / "shanhai.epub"
    target.unlink()
    target.mkdir()
    return "dist/shanhai.epub:", "a folder of that name is in the way"


CASES: list[Case] = [
    Case(epub_is_a_folder, editions=()),
]


@pytest.fixture
def previous(built, project_copy) -> Path:
    """The project's dist/ holding a complete earlier build (the session's real outputs)."""
    out = project_copy / "dist"
    out.mkdir()
    for path in built.values():
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
    code = main(["build", "--quiet", ".", "--out", str(previous), *editions])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: {where}"), err
    assert what in err, err
    assert "\n  hint: " in err, err
    assert "Traceback" not in err
    assert _hashes(previous) == before, "the earlier outputs changed"
    assert not [p.name for p in previous.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]


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
