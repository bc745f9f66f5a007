"""Warm rebuilds (kept workers, kept layout decisions) give the bytes of a cold build."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from huozi import build
from huozi.pipeline import Workers
from huozi.state import file_sha256

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


def _digests(out) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(out.iterdir()) if p.suffix in (".pdf", ".epub") or p.is_dir()}


def _cold(project, out) -> dict[str, str]:
    """A build in a new process, all of it there: no worker, no decision of an earlier build in
    memory or in the project's cache."""
    shutil.rmtree(project / ".huozi-cache" / "layout", ignore_errors=True)
    code = ("import sys, huozi; huozi.build(sys.argv[1], sys.argv[2], jobs=1, "
            "environ={'SOURCE_DATE_EPOCH': '1590710400'})")
    subprocess.run([sys.executable, "-c", code, str(project), str(out)], check=True)
    return _digests(out)


def test_warm_rebuild_after_an_edit_is_byte_identical_to_a_cold_build(project_copy, tmp_path):
    warm_out = tmp_path / "warm"
    with Workers(2) as workers:
        first = build(project_copy, warm_out, environ=EPOCH, workers=workers)
        assert len(first.rebuilt) == 4
        # An edit in the second article: the first article's pages are kept (pdf/segments.py).
        article = sorted((project_copy / "manuscript").glob("*.md"))[-1]
        text = article.read_text(encoding="utf-8")
        assert "点亮一盏灯" in text
        article.write_text(text.replace("点亮一盏灯", "点燃一盏灯", 1), encoding="utf-8")
        second = build(project_copy, warm_out, environ=EPOCH, workers=workers)
        assert len(second.rebuilt) == 4
        # The EPUB's and the html edition's page lists came from print's worker, not a layout of their own.
        assert [t.stage for t in second.timings if t.stage.endswith(" pages") and t.edition != "print"] == []
        forced = build(project_copy, tmp_path / "forced", environ=EPOCH, workers=workers, force=True)
        assert len(forced.rebuilt) == 4
    cold = _cold(project_copy, tmp_path / "cold")
    assert _digests(warm_out) == cold
    assert _digests(tmp_path / "forced") == cold


def test_one_process_builds_again_with_the_bytes_of_a_cold_build(project_copy, tmp_path):
    """jobs=1: everything in this process, layout decisions and pages kept in it between builds."""
    build(project_copy, tmp_path / "a", environ=EPOCH, jobs=1, editions=["print"])
    article = sorted((project_copy / "manuscript").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\n又一段新的文字。\n", encoding="utf-8")
    build(project_copy, tmp_path / "a", environ=EPOCH, jobs=1, editions=["print"])
    assert _digests(tmp_path / "a") == {k: v for k, v in _cold(project_copy, tmp_path / "cold").items()
                                        if k.endswith("-print.pdf")}


def test_a_new_process_lays_print_out_once_with_the_decisions_kept_in_the_cache(project_copy, tmp_path,
                                                                               monkeypatch):
    """The line-break plans and footnote marks of the last layout are read back from
    .huozi-cache/layout: a forced build in a process that never laid the book out lays print out
    once and writes the bytes of a cold build."""
    from huozi.pdf import kept, segments, writer

    build(project_copy, tmp_path / "first", environ=EPOCH, jobs=1, editions=["print"])
    assert {p.name for p in (project_copy / ".huozi-cache" / "layout").iterdir()} == {"print.json"}
    for memo in kept.memos().values():
        memo.clear()                                  # as in a new process
    segments.forget()
    layouts: list[str] = []
    real = writer.render_document
    monkeypatch.setattr(writer, "render_document", lambda html, *a, **k: layouts.append(html) or real(html, *a, **k))
    build(project_copy, tmp_path / "again", environ=EPOCH, jobs=1, editions=["print"], force=True)
    assert len(layouts) == 1
    assert _digests(tmp_path / "again") == {k: v for k, v in _cold(project_copy, tmp_path / "cold").items()
                                            if k.endswith("-print.pdf")}


def test_kept_decisions_that_do_not_fit_are_made_again(project_copy, tmp_path):
    """A damaged or foreign cache file is a miss: the build lays out as a cold one does."""
    build(project_copy, tmp_path / "first", environ=EPOCH, jobs=1, editions=["print"])
    saved = project_copy / ".huozi-cache" / "layout" / "print.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["plans"] = {key: [[5, 3], [0.0, 0.0], True] for key in data["plans"]}           # not increasing
    saved.write_text(json.dumps(data), encoding="utf-8")
    code = ("import sys, huozi; huozi.build(sys.argv[1], sys.argv[2], jobs=1, editions=['print'], force=True, "
            "environ={'SOURCE_DATE_EPOCH': '1590710400'})")
    subprocess.run([sys.executable, "-c", code, str(project_copy), str(tmp_path / "again")], check=True)
    saved.write_text("{not json", encoding="utf-8")
    subprocess.run([sys.executable, "-c", code, str(project_copy), str(tmp_path / "third")], check=True)
    cold = {k: v for k, v in _cold(project_copy, tmp_path / "cold").items() if k.endswith("-print.pdf")}
    assert _digests(tmp_path / "again") == cold == _digests(tmp_path / "third")


def test_editions_that_read_print_pages_wait_for_them_not_for_its_pdf(project_copy):
    """Each paged edition is a task; the EPUB and the html edition wait only for print's pages,
    sent as soon as they are laid out, so another worker writes them while print's PDF is written."""
    from huozi.config import load_config
    from huozi.pipeline import plan_tasks

    config = load_config(project_copy)
    tasks = {t.names: t for t in plan_tasks(config, ["handout", "print", "epub", "html"])}
    assert set(tasks) == {("handout",), ("print",), ("epub",), ("html",)}
    assert tasks[("epub",)].after == ("print",)
    assert tasks[("print",)].publish == {"print"} and not tasks[("handout",)].publish
    assert tasks[("html",)].after == (("print",) if config.html.page_numbers else ())
    # print up to date: the EPUB lays print out itself, as a build in one process does
    alone = plan_tasks(config, ["epub"])
    assert [(t.names, t.after, t.publish) for t in alone] == [(("epub",), (), frozenset())]


def test_a_failed_edition_stops_the_editions_waiting_for_its_pages(project_copy, tmp_path, monkeypatch):
    """print fails in its worker before sending its pages: the build reports print's error and
    ends (the EPUB is never started, so never waits), and no output is written."""
    import pytest

    from huozi import pipeline
    from huozi.errors import HuoziError

    real = pipeline.build_edition

    def failing(config, manuscript, edition, *args, **kwargs):
        if edition.name == "print":
            raise HuoziError("print broke here", None, "a test")
        return real(config, manuscript, edition, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_edition", failing)   # the forked workers inherit it
    with Workers(2) as workers, pytest.raises(HuoziError, match="print broke here"):
        build(project_copy, tmp_path / "out", environ=EPOCH, workers=workers)
    assert not [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]


def _processes_per_build(monkeypatch) -> list[dict[str, int]]:
    """For each build run by Workers from now on, the pid of the worker that built each edition."""
    from huozi import pipeline

    seen: list[dict[str, int]] = []
    real = pipeline.Workers.run

    def recorded(self, *args, **kwargs):
        runs = real(self, *args, **kwargs)
        seen.append({run.edition: run.process for run in runs})
        return runs

    monkeypatch.setattr(pipeline.Workers, "run", recorded)
    return seen


def test_each_paged_edition_keeps_to_one_worker_across_builds(project_copy, tmp_path, monkeypatch):
    """Kept decisions live in a worker: print is laid out in the same process build after build,
    the handout in another, and the EPUB wherever there is room."""
    seen = _processes_per_build(monkeypatch)
    with Workers(2) as workers:
        for _ in range(4):
            build(project_copy, tmp_path / "out", environ=EPOCH, workers=workers, force=True,
                  editions=["handout", "print", "epub"])
    assert len(seen) == 4 and all(set(s) == {"handout", "print", "epub"} for s in seen)
    assert len({s["print"] for s in seen}) == 1 and len({s["handout"] for s in seen}) == 1
    assert seen[0]["print"] != seen[0]["handout"]


def test_a_build_starts_its_workers_at_once_and_stops_them_at_once_when_nothing_is_stale(project_copy, tmp_path,
                                                                                        monkeypatch):
    """build() starts its own workers before it reads the book (their warm-up overlaps the
    reading); a build that finds every edition current kills them instead of waiting for it."""
    from huozi import pipeline

    closed: list[tuple[bool, bool]] = []
    real_close = pipeline.Workers.close

    def close(self, kill=False):
        closed.append((bool(self._lanes), kill))
        real_close(self, kill)

    monkeypatch.setattr(pipeline.Workers, "close", close)
    build(project_copy, tmp_path / "out", environ=EPOCH, jobs=2, editions=["handout", "epub"])
    assert closed[-1] == (True, False)              # they built: stopped when done
    build(project_copy, tmp_path / "out", environ=EPOCH, jobs=2, editions=["handout", "epub"])
    assert closed[-1] == (True, True)               # nothing to build: killed at once
    import multiprocessing
    assert multiprocessing.active_children() == []


def _compiled(styles_dir) -> list[str]:
    """The templates of `styles_dir` whose code this process has compiled (by their bucket keys)."""
    from huozi.layout.render import _COMPILED, template_env

    env = template_env(styles_dir)
    found = []
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        filename = env.loader.get_source(env, name)[1]
        if f"{type(env).__qualname__}:{_COMPILED.get_cache_key(name, filename)}" in _COMPILED._code:
            found.append(name)
    return found


def test_workers_compile_the_books_templates_while_they_warm_up(project_copy):
    """Each worker's warm-up compiles every template of the book's styles and the theme, so the
    first render of a build finds them compiled."""
    from huozi.layout.render import template_env

    styles = project_copy / "styles"
    names = template_env(styles).list_templates(filter_func=lambda n: n.endswith(".j2"))
    assert len(names) >= 5
    assert _compiled(styles) == []                  # not here: the project's copy is new
    with Workers(2) as workers:
        workers.start(styles)
        found = [lane.submit(_compiled, styles).result() for lane in workers._lanes]
    assert found == [names] * 2


def test_an_edition_waiting_for_pages_goes_to_the_lane_that_is_free_first(project_copy, tmp_path, monkeypatch):
    """The EPUB, once print's pages are in, is not queued behind a busy lane: when the handout
    takes long, print's own worker writes the EPUB after print's PDF."""
    import time as clock

    from huozi import pipeline

    real = pipeline.build_edition

    def slow_handout(config, manuscript, edition, *args, **kwargs):
        if edition.name == "handout":
            clock.sleep(4)
        return real(config, manuscript, edition, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_edition", slow_handout)   # the forked workers inherit it
    seen = _processes_per_build(monkeypatch)
    with Workers(2) as workers:
        build(project_copy, tmp_path / "out", environ=EPOCH, workers=workers, editions=["handout", "print", "epub"])
    assert seen[-1]["epub"] == seen[-1]["print"] != seen[-1]["handout"]


def test_a_worker_draws_the_epub_cover_while_the_figures_are_drawn(project_copy, tmp_path):
    """Workers.prepare: after its warm-up, before its first task, the first lane draws the EPUB's
    cover into the project's cache (the build's own process is drawing the figures then); the
    EPUB's write finds it there, and the EPUB is the one a build with nothing prepared makes."""
    import time

    covers = project_copy / ".huozi-cache" / "cover"
    with Workers(2) as workers:
        workers.start()
        workers.prepare(project_copy, ["handout", "epub"])
        deadline = time.monotonic() + 60
        while not list(covers.glob("*.png")):
            assert time.monotonic() < deadline, "no cover drawn"
            time.sleep(0.05)
        prepared = build(project_copy, tmp_path / "prepared", environ=EPOCH, editions=["epub"], workers=workers)
    shutil.rmtree(covers)
    plain = build(project_copy, tmp_path / "plain", environ=EPOCH, editions=["epub"], jobs=1)
    assert file_sha256(prepared.outputs[0].path) == file_sha256(plain.outputs[0].path)
