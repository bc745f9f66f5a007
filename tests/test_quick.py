"""The no-op fast path (huozi.quick): taken when nothing changed, printing what the normal build
prints; any change, another request, --force or a file too new to judge goes to the normal build."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from huozi.output import LOCK_NAME, TMP_PREFIX
from huozi.quick import BUSY, RACY_NS, STAMP_NAME, _options
from huozi.skeleton import create_project

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC), "SOURCE_DATE_EPOCH": "1590710400", "CI": "true"}
HEAVY = ("huozi.pipeline", "weasyprint", "matplotlib")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str                 # without -X importtime's lines
    imported: frozenset[str]

    @property
    def fast(self) -> bool:
        return self.code == 0 and not self.imported & set(HEAVY)

    @property
    def rebuilt(self) -> bool:
        return "\nwrote " in f"\n{self.out}"


def huozi(project: Path | str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """`python -m huozi build PROJECT ARGS` as a user runs it, with the modules it imported."""
    command = [sys.executable, "-X", "importtime", "-m", "huozi", "build", str(project), *args]
    done = subprocess.run(command, env=env or ENV, cwd=cwd, capture_output=True, text=True, timeout=300)
    lines = done.stderr.splitlines(keepends=True)
    imported = frozenset(line.split("|")[-1].strip() for line in lines if line.startswith("import time:"))
    err = "".join(line for line in lines if not line.startswith("import time:"))
    return Run(done.returncode, done.stdout, err, imported)


def age(out: Path) -> None:
    """Move the stamp's start RACY_NS past now, as if its build had begun later: every file it
    recorded is then old enough for the racy rule, without the test waiting 2 s for it."""
    path = out / STAMP_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["since"] = time.time_ns() + RACY_NS + 1
    path.write_text(json.dumps(data), encoding="utf-8")


def fast_again(project: Path, *args: str, out: Path | None = None) -> Run:
    """Build until a build takes the fast path: after a rebuild, a normal no-op writes the no-op's
    report (and a stamp that vouches for it)."""
    runs = []
    for _ in range(3):
        runs.append(huozi(project, *args))
        if runs[-1].fast:
            return runs[-1]
        assert runs[-1].code == 0, runs[-1].err
        age(out or project / "dist")
    pytest.fail(f"no fast path after {runs}")


def same_output(fast: Run, normal: Run) -> None:
    def timeless(text: str) -> str:
        return re.sub(r"rebuilt in \d+\.\d\d s", "rebuilt in T s", text)

    assert (timeless(fast.out), fast.err) == (timeless(normal.out), normal.err)


def snapshot(out: Path) -> dict[str, bytes]:
    """The output folder's files (the stamp aside), by name."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != STAMP_NAME}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return create_project(tmp_path_factory.mktemp("quick") / "book")


EPUB = ("--edition", "epub")


@pytest.mark.parametrize("flags", [[], ["-q"], ["-v"], ["--format", "github"]], ids=" ".join)
def test_a_no_op_build_is_answered_before_the_pipeline_is_imported(book, flags):
    fast_again(book, *EPUB)
    (book / "dist" / STAMP_NAME).unlink()
    normal = huozi(book, *EPUB, *flags)                       # the normal no-op, which writes a stamp
    assert not normal.fast and not normal.rebuilt and "huozi.pipeline" in normal.imported
    folder = snapshot(book / "dist")
    age(book / "dist")
    fast = huozi(book, *EPUB, *flags)
    assert fast.fast and not fast.imported & set(HEAVY), fast
    same_output(fast, normal)
    assert snapshot(book / "dist") == folder
    if not flags:
        assert fast.err == "huozi: epub: up to date\n"
        assert fast.out.startswith(f"kept {book / 'dist' / 'book.epub'}\n0 of 1 edition(s) rebuilt in ")


def test_the_same_request_written_otherwise_is_answered_too(book):
    fast_again(book, *EPUB)
    assert huozi(book / "manuscript" / "..", "--edition=epub", "--edition", "epub", "--timings", "--jobs", "1").fast
    # From another folder: `python -m` puts it first on sys.path, where no tool is installed.
    assert huozi(".", *EPUB, cwd=book).fast
    assert not huozi(book, "--edition", "epub", "--jobs", "x").fast            # argparse's error, not ours


def test_a_same_size_edit_with_its_mtime_put_back_is_rebuilt(book):
    fast_again(book, *EPUB)
    page = book / "manuscript" / "01-sample.md"
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("。", "，", 1), encoding="utf-8")         # three bytes each in UTF-8
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_mtime_ns == before.st_mtime_ns
    run = huozi(book, *EPUB)
    assert not run.fast and run.rebuilt, run


def test_a_new_file_in_the_manuscript_is_seen(book):
    fast_again(book, *EPUB)
    images = book / "manuscript" / "images"
    shutil.copy(images / "type-tray.png", images / "another.png")             # in a folder below manuscript/
    run = huozi(book, *EPUB)
    assert not run.fast and run.rebuilt, run


def test_a_deleted_output_is_rebuilt(book):
    fast_again(book, *EPUB)
    (book / "dist" / "book.epub").unlink()
    run = huozi(book, *EPUB)
    assert not run.fast and run.rebuilt, run


def test_an_output_edited_in_place_is_rebuilt(book):
    epub = book / "dist" / "book.epub"
    fast_again(book, *EPUB)
    before = epub.stat()
    with open(epub, "r+b") as file:                                           # same inode, size and mtime
        file.seek(before.st_size // 2)
        file.write(b"\0")
    os.utime(epub, ns=(before.st_atime_ns, before.st_mtime_ns))
    run = huozi(book, *EPUB)
    assert not run.fast and run.rebuilt, run


def test_another_edition_set_and_a_folder_output(book):
    fast_again(book, *EPUB)
    both = ("--edition", "html", *EPUB)
    first = huozi(book, *both)
    assert not first.fast and "wrote" in first.out and f"kept {book / 'dist' / 'book.epub'}" in first.out
    fast_again(book, *both)
    page = book / "dist" / "book-html" / "index.html"                         # a file inside the site folder
    page.write_bytes(page.read_bytes().replace(b"<html", b"<html ", 1)[:-1])
    run = huozi(book, *both)
    assert not run.fast and f"wrote {book / 'dist' / 'book-html'}" in run.out, run
    assert not huozi(book, *EPUB).fast                                        # the stamp answers {epub, html}


def test_another_source_date_epoch_is_rebuilt(book):
    fast_again(book, *EPUB)
    run = huozi(book, *EPUB, env={**ENV, "SOURCE_DATE_EPOCH": "1600000000"})
    assert not run.fast and run.rebuilt, run


def test_force_takes_the_normal_path(book):
    fast_again(book, *EPUB)
    run = huozi(book, *EPUB, "--force")
    assert not run.fast and run.rebuilt, run


def test_a_file_changed_just_before_the_build_is_not_trusted(book):
    """The racy rule: a stamp recording a file changed within RACY_NS of its build's start is not
    trusted, though the file is as recorded: a change within the timestamps' granularity would not show."""
    fast_again(book, *EPUB)
    page = book / "manuscript" / "01-sample.md"
    os.utime(page)                                                            # touched, the text unchanged
    for _ in range(2):
        run = huozi(book, *EPUB)
        assert not run.fast and not run.rebuilt, run
    stamp = json.loads((book / "dist" / STAMP_NAME).read_text(encoding="utf-8"))
    stat = page.stat()
    assert stamp["records"][str(page)] == [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    age(book / "dist")
    assert huozi(book, *EPUB).fast


def test_a_build_under_way_or_killed_takes_the_normal_path(book):
    fast_again(book, *EPUB)
    lock = book / "dist" / LOCK_NAME
    lock.touch()                                                              # a killed build's lock file
    run = huozi(book, *EPUB)
    assert not run.fast and not run.rebuilt and not lock.exists(), run


def test_a_failed_build_leaves_no_stamp(book):
    fast_again(book, *EPUB)
    page = book / "manuscript" / "01-sample.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\n![a picture](images/missing.png)\n", encoding="utf-8")
    try:
        run = huozi(book, *EPUB)
        assert run.code == 1 and "missing.png" in run.err, run
        assert not (book / "dist" / STAMP_NAME).exists()
    finally:
        page.write_text(text, encoding="utf-8")


def test_a_terminal_sees_the_same_lines(book):
    """On a terminal cli.Console prints with rich; so does the fast path."""
    def on_a_terminal() -> bytes:
        master, slave = os.openpty()
        env = {name: value for name, value in ENV.items() if name != "CI"}
        process = subprocess.Popen([sys.executable, "-m", "huozi", "build", str(book), *EPUB], env=env,
                                   stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        assert process.wait(timeout=300) == 0
        return b"".join(chunks)

    fast_again(book, *EPUB)
    (book / "dist" / STAMP_NAME).unlink()
    normal = on_a_terminal()
    age(book / "dist")
    assert huozi(book, *EPUB).fast
    assert on_a_terminal() == normal and b"\x1b[" in normal


def test_the_command_lines_it_reads():
    assert _options(["--debug", "build", "-q", "--edition=epub", "--out", "x", "--jobs", "2", "--timings",
                     "--format", "github", "book"]) == \
        {"project": "book", "out": "x", "edition": ["epub"], "quiet": True, "verbose": False}
    for argv in (["build", "--force"], ["build", "-q", "-v"], ["check"], ["build", "--ed", "epub"], ["build", "a", "b"],
                 ["build", "--out"], ["build", "--out", "--force"], ["build", "--format", "xml"], ["build", "-qv"],
                 ["build", "--", "book"], ["--version"], []):
        assert _options(argv) is None, argv


def test_it_knows_the_build_s_lock_and_temporary_names():
    assert BUSY == (LOCK_NAME, TMP_PREFIX)
