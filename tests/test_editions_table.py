"""Editions as data: an edition added as one row of the table (and its writer) is built, recorded,
checked, cleaned and offered on the command line, with no other change to huozi."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from huozi import editions
from huozi.cli import main, make_parser
from huozi.editions import EDITIONS, Edition, Layout, Model, Written, build_order, worker_groups
from huozi.events import Stopwatch
from huozi.manuscript.model import Paragraph
from huozi.output import write_bytes_atomic
from huozi.skeleton import create_project


class PlainTextWriter:
    """A toy edition: the manuscript's paragraphs as plain text, and the print pages it follows."""

    def write(self, model: Model, laid_out: Layout | None, target: Path, clock: Stopwatch) -> Written:
        with clock.stage("text"):
            lines = [f"# {article.title}" for article in model.manuscript.articles]
            lines += ["".join(getattr(run, "text", "") for run in block.inlines)
                      for article in model.manuscript.articles for block in article.walk()
                      if isinstance(block, Paragraph)]
            lines += [f"[print page {page.number}]" for page in model.layouts["print"].page_texts]
            write_bytes_atomic(target, "\n".join(lines).encode("utf-8"))
        return Written(target, warnings=())


WRITER = PlainTextWriter()


def check_not_empty(config, path: Path) -> list:
    from huozi.checks.findings import Finding

    return [] if path.stat().st_size else [Finding("not-empty", "error", "the text edition is empty")]


TEXT = Edition("text", "unused.j2", "text", ".txt", f"{__name__}:WRITER", depends=("print",),
               checks=(("not-empty", f"{__name__}:check_not_empty"),), styles=("text",))


@pytest.fixture
def with_text_edition(monkeypatch):
    monkeypatch.setitem(editions.EDITIONS, "text", TEXT)
    return TEXT


def test_the_table_derives_groups_and_order(with_text_edition):
    # The text edition uses print's layout: the same worker builds print first, then it.
    assert worker_groups() == (("handout",), ("print", "epub", "html", "text"))
    assert build_order().index("print") < build_order().index("text")
    assert worker_groups(["text"]) == (("text",),)
    assert make_parser().parse_args(["build", "--edition", "text"]).edition == ["text"]  # a CLI choice now


def test_an_edition_added_to_the_table_is_built_checked_and_cleaned(with_text_edition, tmp_path, capsys,
                                                                     monkeypatch):
    project = create_project(tmp_path / "book")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590710400")
    out = project / "dist"
    assert main(["build", str(project), "--edition", "text", "--jobs", "1", "--quiet"]) == 0
    text = (out / "book.txt").read_text(encoding="utf-8")
    assert text.startswith("# ") and "[print page 1]" in text
    report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert [o["edition"] for o in report["outputs"]] == ["text"]
    state = json.loads((out / ".huozi-state.json").read_text(encoding="utf-8"))
    assert state["text"]["file"] == "book.txt"
    # Current now: the next build skips it; a change to a style file only it reads rebuilds only it.
    assert main(["build", str(project), "--edition", "text", "--edition", "epub", "--jobs", "1", "-q"]) == 0
    (project / "styles" / "text.css").write_text("/* the text edition's own */", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(project), "--edition", "text", "--edition", "epub", "--jobs", "1"]) == 0
    said = capsys.readouterr()
    assert "wrote" in said.out and "kept" in said.out
    assert f"kept {out / 'book.epub'}" in said.out and f"wrote {out / 'book.txt'}" in said.out
    from huozi.checks.base import run_checks
    from huozi.config import load_config

    runs = run_checks(load_config(project), {"text": out / "book.txt"})
    assert [(r.check, r.findings) for r in runs if r.subject.name == "book.txt"] == [("not-empty", ())]
    assert main(["clean", str(project)]) == 0
    assert not (out / "book.txt").exists()


def test_the_shipped_table_is_consistent():
    for edition in EDITIONS.values():
        assert editions.load(edition.writer).write
        assert all(other in EDITIONS and EDITIONS[other].paged is not None for other in edition.depends)
        for _, reference in edition.checks:
            assert callable(editions.load(reference))
        assert edition.paged is None or edition.paged.variant in __import__(
            "huozi.pdf.variants", fromlist=["VARIANTS"]).VARIANTS
