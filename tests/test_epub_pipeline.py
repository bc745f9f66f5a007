"""The EPUB follows the print layout: a print change rebuilds it; alone, it lays print out itself."""
from __future__ import annotations

from huozi import build

EPOCH = {"SOURCE_DATE_EPOCH": "1590710400"}


def test_a_print_style_change_rebuilds_the_epub_too(project_copy, tmp_path):
    out = tmp_path / "out"
    build(project_copy, out, environ=EPOCH, editions=["print", "epub"])
    css = project_copy / "styles" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    again = build(project_copy, out, environ=EPOCH, editions=["print", "epub"])
    assert [o.edition for o in again.rebuilt] == ["print", "epub"]


def test_an_epub_rebuilt_alone_lays_out_the_print_edition(project_copy, tmp_path):
    out = tmp_path / "out"
    build(project_copy, out, environ=EPOCH, editions=["print", "epub"])
    print_pdf = (out / "shanhai-print.pdf").read_bytes()
    css = project_copy / "styles" / "epub" / "epub.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    again = build(project_copy, out, environ=EPOCH, editions=["print", "epub"])
    assert [o.edition for o in again.rebuilt] == ["epub"]
    assert ("print pages", "epub") in {(t.stage, t.edition) for t in again.timings}
    assert (out / "shanhai-print.pdf").read_bytes() == print_pdf  # laid out, not rewritten
