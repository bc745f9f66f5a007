"""Nothing half-written: a failed, interrupted or killed build leaves the previous outputs exactly as
they were and no temporary file; two builds into one folder take turns instead of mixing.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from huozi import build
from huozi.cache import file_sha256
from huozi.cli import EXIT_INPUT, EXIT_SIGINT, EXIT_SIGTERM, main
from huozi.editions import EDITIONS
from huozi.errors import OutputError
from huozi.output import LOCK_NAME, TMP_PREFIX, build_lock, output_transaction, write_atomic

SRC = Path(__file__).resolve().parents[1] / "src"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir())}  # a folder edition: its files


@pytest.fixture
def previous(built, tmp_path) -> Path:
    """An output folder holding a complete earlier build (the session's real outputs)."""
    out = tmp_path / "dist"
    out.mkdir()
    for path in built.values():
        if path.is_dir():
            shutil.copytree(path, out / path.name)
        else:
            shutil.copy2(path, out / path.name)
    return out


def _assert_untouched(out: Path, before: dict[str, str]) -> None:
    assert _hashes(out) == before, "the previous outputs changed"
    assert not [p.name for p in out.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]


def test_interrupt_in_the_middle_of_writing_a_pdf(project_copy, previous, capsys, monkeypatch):
    from weasyprint.document import Document

    def half_written(self, target=None, **options):
        Path(target).write_bytes(b"%PDF-1.7\n% half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(Document, "write_pdf", half_written)
    before = _hashes(previous)
    code = main(["build", "--quiet", str(project_copy), "--out", str(previous), "--jobs", "1"])
    assert code == EXIT_SIGINT
    assert "interrupted; earlier outputs were left as they were" in capsys.readouterr().err
    _assert_untouched(previous, before)


def test_a_failure_after_some_editions_were_written_changes_nothing(project_copy, previous, capsys):
    # The PDFs render fine; the EPUB template (rendered last) is broken.
    template = project_copy / "styles" / "epub" / "article.xhtml.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ css_href }}", "{{ no_such }}"),
                        encoding="utf-8")
    before = _hashes(previous)
    code = main(["build", "--quiet", str(project_copy), "--out", str(previous)])
    assert code == EXIT_INPUT
    assert "styles/epub/article.xhtml.j2" in capsys.readouterr().err
    _assert_untouched(previous, before)


def test_sigterm_during_a_build_leaves_the_old_outputs(project_copy, previous):
    """CI cancelling a job sends SIGTERM: the killed build removes its temporary files."""
    before = _hashes(previous)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "huozi", "build", str(project_copy), "--out", str(previous)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(TMP_PREFIX) for p in previous.iterdir()):
        assert process.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == EXIT_SIGTERM, err
    assert "terminated; earlier outputs were left as they were" in err
    _assert_untouched(previous, before)


def test_a_write_error_is_an_output_error_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"old")

    def disk_full(tmp: Path) -> None:
        tmp.write_bytes(b"new, but not all of it")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError, match="cannot write book.pdf: No space left on device") as caught:
        write_atomic(target, disk_full)
    assert caught.value.where.path == target and caught.value.hint
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["book.pdf"]


def test_a_transaction_moves_all_files_or_none(tmp_path):
    (tmp_path / "a").write_bytes(b"old a")
    with pytest.raises(RuntimeError):
        with output_transaction(tmp_path):
            write_atomic(tmp_path / "a", lambda tmp: tmp.write_bytes(b"new a"))
            write_atomic(tmp_path / "b", lambda tmp: tmp.write_bytes(b"new b"))
            assert (tmp_path / "a").read_bytes() == b"old a"  # nothing moves before the end
            raise RuntimeError("a later edition failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert (tmp_path / "a").read_bytes() == b"old a"
    with output_transaction(tmp_path):
        write_atomic(tmp_path / "a", lambda tmp: tmp.write_bytes(b"new a"))
        write_atomic(tmp_path / "b", lambda tmp: tmp.write_bytes(b"new b"))
    assert _hashes(tmp_path) == {"a": hashlib.sha256(b"new a").hexdigest(),
                                 "b": hashlib.sha256(b"new b").hexdigest()}


def test_the_lock_makes_builds_into_one_folder_take_turns(project_copy, tmp_path, monkeypatch):
    """Two builds in threads, each edition slowed down: their writing intervals never overlap."""
    import huozi.pipeline
    from huozi.pipeline import _EditionRun

    events: list[tuple[str, float, float]] = []

    def slow_writer(config, manuscript, edition, out, *rest):
        start = time.monotonic()
        target = out / f"{config.book.slug}{edition.suffix}"
        write_atomic(target, lambda tmp: tmp.write_bytes(threading.current_thread().name.encode()))
        time.sleep(0.15)
        events.append((threading.current_thread().name, start, time.monotonic()))
        return _EditionRun(edition.name, target, None)

    monkeypatch.setattr(huozi.pipeline, "build_edition", slow_writer)
    out = tmp_path / "dist"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build(project_copy, out, force=True, jobs=1)  # in this process, where the patch is
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    spans = {name: (min(s for n, s, _ in events if n == name), max(e for n, _, e in events if n == name))
             for name in ("first", "second")}
    (a_start, a_end), (b_start, b_end) = sorted(spans.values())
    assert a_end <= b_start, f"builds overlapped: {spans}"
    # Every output comes from the same (the last) build: no mixing.
    editions = [out / f"shanhai{e.suffix}" for e in EDITIONS.values()]
    assert len({p.read_bytes() for p in editions}) == 1
    assert not [p for p in out.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]


def test_the_lock_file_is_removed_and_reusable(tmp_path):
    with build_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / LOCK_NAME).exists()
    with build_lock(tmp_path):
        pass


def test_two_real_builds_at_once_into_one_folder(project_copy, built, tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    stale = out / f"{TMP_PREFIX}shanhai.epub.killed.tmp"  # what a SIGKILLed build leaves
    stale.write_bytes(b"stale")
    env = {**os.environ, "PYTHONPATH": str(SRC), "SOURCE_DATE_EPOCH": "1590710400"}
    command = [sys.executable, "-m", "huozi", "build", str(project_copy), "--out", str(out), "--force"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    for process in processes:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    assert {p.name for p in built.values()} <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith((TMP_PREFIX, LOCK_NAME))]
    from pypdf import PdfReader

    for edition, reference in built.items():
        path = out / reference.name
        if edition == "epub":
            with zipfile.ZipFile(path) as epub:
                assert epub.testzip() is None
                assert epub.namelist() == zipfile.ZipFile(reference).namelist()
        elif edition == "html":
            assert sorted(p.relative_to(path) for p in path.rglob("*")) == \
                sorted(p.relative_to(reference) for p in reference.rglob("*"))
        else:
            assert len(PdfReader(path).pages) == len(PdfReader(reference).pages)


def test_a_second_build_says_it_waits_for_the_first(project_copy, tmp_path):
    """While another build holds the folder, a build says so, writes nothing, then runs."""
    import queue

    out = tmp_path / "dist"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(SRC), "CI": "true"}  # plain log lines on stderr
    lines: queue.Queue[str] = queue.Queue()
    with build_lock(out):
        command = [sys.executable, "-m", "huozi", "build", str(project_copy), "--out", str(out), "--edition", "epub"]
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
        reader.start()
        assert lines.get(timeout=60).startswith("huozi: waiting for another build into the same folder")
        assert process.poll() is None
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]  # ours: the waiting build wrote nothing
    assert process.wait(timeout=120) == 0
    assert (out / "shanhai.epub").is_file() and not (out / LOCK_NAME).exists()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, EXIT_SIGTERM), (signal.SIGINT, EXIT_SIGINT)])
def test_a_signal_in_a_process_just_forked_ends_it_instead_of_running_the_build_on(signum, code):
    """A build that fails early stops its workers at once: SIGTERM can reach a worker forked a
    moment ago, still with the build's handler. Unwinding there ran the build's own code on in
    the child (a test run's copy of pytest hung, waiting for tests that never came)."""
    from huozi.cli import _sigterm_unwinds

    with _sigterm_unwinds():
        pid = os.fork()
        if pid == 0:
            try:
                os.kill(os.getpid(), signum)
                time.sleep(5)
            finally:
                os._exit(0)                  # reached only when the handler unwound the child
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == code
