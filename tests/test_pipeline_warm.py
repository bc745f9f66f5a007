"""Warm rebuilds (kept workers, kept placement decisions) give the bytes of a cold build."""
from __future__ import annotations

import subprocess
import sys

from huozi import build
from huozi.pipeline import Workers
from huozi.state import file_sha256

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


def _digests(out) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(out.iterdir()) if p.suffix in (".pdf", ".epub") or p.is_dir()}


def _cold(project, out) -> dict[str, str]:
    """A build in a new process: no worker, no decision of an earlier build in memory."""
    code = "import sys, huozi; huozi.build(sys.argv[1], sys.argv[2], environ={'SOURCE_DATE_EPOCH': '1590710400'})"
    subprocess.run([sys.executable, "-c", code, str(project), str(out)], check=True)
    return _digests(out)


def test_warm_rebuild_after_an_edit_is_byte_identical_to_a_cold_build(project_copy, tmp_path):
    warm_out = tmp_path / "warm"
    with Workers(2) as workers:
        first = build(project_copy, warm_out, environ=EPOCH, workers=workers)
        assert len(first.rebuilt) == 4
        # An edit in the second article: the first article's figure placement is not redone.
        article = sorted((project_copy / "manuscript").glob("*.md"))[-1]
        text = article.read_text(encoding="utf-8")
        assert "点亮一盏灯" in text
        article.write_text(text.replace("点亮一盏灯", "点燃一盏灯", 1), encoding="utf-8")
        second = build(project_copy, warm_out, environ=EPOCH, workers=workers)
        assert len(second.rebuilt) == 4
        forced = build(project_copy, tmp_path / "forced", environ=EPOCH, workers=workers, force=True)
        assert len(forced.rebuilt) == 4
    cold = _cold(project_copy, tmp_path / "cold")
    assert _digests(warm_out) == cold
    assert _digests(tmp_path / "forced") == cold


def test_one_process_builds_again_with_the_bytes_of_a_cold_build(project_copy, tmp_path):
    """jobs=1: everything in this process, placement decisions kept in it between builds."""
    build(project_copy, tmp_path / "a", environ=EPOCH, jobs=1, editions=["print"])
    article = sorted((project_copy / "manuscript").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\n又一段新的文字。\n", encoding="utf-8")
    build(project_copy, tmp_path / "a", environ=EPOCH, jobs=1, editions=["print"])
    assert _digests(tmp_path / "a") == {k: v for k, v in _cold(project_copy, tmp_path / "cold").items()
                                        if k.endswith("-print.pdf")}
