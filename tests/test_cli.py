"""The command line: exit codes, messages, and a real build into a folder."""
from __future__ import annotations

import pytest

from huozi import __version__
from huozi.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--edition", "poster"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_input_error_exits_1_with_location(project_copy, tmp_path, capsys):
    (project_copy / "manuscript" / "02-fangan.md").write_text("---\nsubtitle: x\n---\n正文\n", encoding="utf-8")
    assert main(["build", str(project_copy), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "02-fangan.md:2" in err and "title" in err and "Traceback" not in err


def test_build_one_edition(project_copy, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(project_copy), "--out", str(out), "--edition", "epub"]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["build-report.json", "shanhai.epub"]
    assert "wrote" in capsys.readouterr().out
