"""`huozi check` lints the layout the build made (kept in the build's state and report), and lays
the book out again only for a file the state does not describe."""
from __future__ import annotations

import json

import pytest

import huozi.pdf.layout
from huozi import build
from huozi.checks.lint import check_typography
from huozi.config import load_config
from huozi.skeleton import create_project

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    project = create_project(tmp_path_factory.mktemp("check") / "book")
    result = build(project, project / "dist", ["handout", "print"], environ=EPOCH, jobs=1)
    return project, result


def test_the_build_carries_the_lint_in_its_result_and_report(small):
    project, result = small
    lints = {o.edition: o.lint for o in result.outputs}
    assert set(lints) == {"handout", "print"}
    for edition, lint in lints.items():
        assert lint is not None and lint["edition"] == edition and "non-final body lines flush" in lint["summary"]
    report = json.loads((project / "dist" / "build-report.json").read_text(encoding="utf-8"))
    assert all(isinstance(o["lint"], list) for o in report["outputs"])


def test_check_reads_the_lint_without_laying_out(small, monkeypatch):
    project, result = small

    def no_layout(*args, **kwargs):
        raise AssertionError("huozi check laid the book out again")

    monkeypatch.setattr(huozi.pdf.layout, "lay_out", no_layout)
    config = load_config(project)
    for output in result.outputs:
        findings = check_typography(config, output.path)
        assert findings[0].level == "note" and findings[0].message == output.lint["summary"]
        assert len(findings) == 1 + len(output.lint["findings"])


def test_a_file_the_state_does_not_describe_is_laid_out_again(small, tmp_path, monkeypatch):
    project, result = small
    handout = next(o for o in result.outputs if o.edition == "handout")
    elsewhere = tmp_path / handout.path.name          # the same file, in a folder with no build state
    elsewhere.write_bytes(handout.path.read_bytes())
    calls = []
    real = huozi.pdf.layout.lay_out
    monkeypatch.setattr(huozi.pdf.layout, "lay_out", lambda *a, **k: calls.append(a[2].name) or real(*a, **k))
    findings = check_typography(load_config(project), elsewhere)
    assert calls == ["handout"]
    assert findings[0].message == handout.lint["summary"]     # the same layout, the same measures
