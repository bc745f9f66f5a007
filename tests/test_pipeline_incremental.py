"""Byte-identical outputs, skipping unchanged editions, the build report."""
from __future__ import annotations

import json
import subprocess
import sys

from huozi import build
from huozi.state import file_sha256

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


def digests(result) -> dict[str, str]:
    return {o.edition: file_sha256(o.path) for o in result.outputs}  # the html edition: its files


def test_two_builds_in_two_folders_are_byte_identical(project_copy, tmp_path, built):
    """The session build (from the repository) and a build of a copy elsewhere give the same bytes."""
    result = build(project_copy, tmp_path / "elsewhere", environ=EPOCH)
    ours = digests(result)
    theirs = {name: file_sha256(path) for name, path in built.items()}
    assert ours == theirs and "html" in ours


def test_second_build_skips_everything_and_imports_no_weasyprint(project_copy, tmp_path):
    out = tmp_path / "out"
    first = build(project_copy, out, environ=EPOCH)
    assert len(first.rebuilt) == 4
    code = (
        "import sys, huozi; r = huozi.build(sys.argv[1], sys.argv[2], environ={'SOURCE_DATE_EPOCH': '1590710400'});"
        "print(len(r.rebuilt), 'weasyprint' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out_text = subprocess.run([sys.executable, "-c", code, str(project_copy), str(out)],
                              capture_output=True, text=True, check=True).stdout.split()
    assert out_text == ["0", "False", "False"]


def test_a_style_change_rebuilds_only_its_edition(project_copy, tmp_path):
    out = tmp_path / "out"
    build(project_copy, out, environ=EPOCH)
    css = project_copy / "styles" / "handout.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    again = build(project_copy, out, environ=EPOCH)
    assert [o.edition for o in again.rebuilt] == ["handout"]


def test_a_damaged_output_is_rebuilt(project_copy, tmp_path):
    out = tmp_path / "out"
    first = build(project_copy, out, environ=EPOCH, editions=["epub"])
    first.outputs[0].path.write_bytes(b"damaged")
    again = build(project_copy, out, environ=EPOCH, editions=["epub"])
    assert [o.edition for o in again.rebuilt] == ["epub"]
    assert again.outputs[0].path.read_bytes()[:2] == b"PK"


def test_build_report_describes_each_output(project_copy, tmp_path):
    out = tmp_path / "out"
    result = build(project_copy, out, environ=EPOCH)
    report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert {o["edition"] for o in report["outputs"]} == {"handout", "print", "epub", "html"}
    for entry in report["outputs"]:
        path = out / entry["path"]
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        assert entry["size"] == sum(p.stat().st_size for p in files)
        assert entry["sha256"] == file_sha256(path)
        assert entry["rebuilt"] is True
    pages = {o["edition"]: o["pages"] for o in report["outputs"]}
    assert pages["print"] == next(o.pages for o in result.outputs if o.edition == "print") > 0
    assert report["versions"]["weasyprint"].startswith("70")
    assert {t["stage"] for t in report["timings"]} >= {"layout", "pdf", "epub", "html"}
