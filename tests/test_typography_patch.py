"""The WeasyPrint patch: fails loudly on internals it does not know, restores what it replaced,
and writes justified lines that end on the column's edge in the PDF itself."""
from __future__ import annotations

import importlib
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pytest

from huozi.errors import OutputError
from huozi.pdf import weasy_patch
from huozi.pdf.weasy_patch import check_compatible, cjk_layout
from huozi.pdf.writer import PdfOptions, write_pdf

HAN = "山海携手共赴康庄大道东西部扶贫协作与对口支援纪事为推动区域协调发展协同发展共同发展"


def test_installed_weasyprint_is_supported():
    check_compatible()


def test_other_major_version_is_refused(monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(OutputError, match="71.0"):
        check_compatible()


def test_changed_internals_are_refused(monkeypatch):
    inline = importlib.import_module("weasyprint.layout.inline")
    monkeypatch.setattr(inline, "justify_line", lambda context, line: None)
    with pytest.raises(OutputError, match="justify_line changed"):
        check_compatible()


def test_originals_are_restored_even_after_an_error():
    inline = importlib.import_module("weasyprint.layout.inline")
    draw_text = importlib.import_module("weasyprint.draw.text")
    before = (inline.justify_line, inline.text_align, draw_text.draw_first_line)
    with pytest.raises(RuntimeError):
        with cjk_layout():
            assert inline.justify_line is not before[0]
            raise RuntimeError("boom")
    assert (inline.justify_line, inline.text_align, draw_text.draw_first_line) == before
    assert "int" not in vars(draw_text)


def _right_edge_shortfalls(tmp_path: Path, name: str) -> list[float]:
    """Write six justified lines of 45 Han characters; how far each line's last glyph ends
    short of the column's right edge (170 mm - 5 mm), in pt, measured in the PDF."""
    html = ('<html lang="zh-CN"><style>@page { size: 170mm 60mm; margin: 5mm } body { margin: 0 }'
            'p { font: 10pt "Noto Serif CJK SC"; text-align: justify; margin: 0 }</style>'
            f'<p>{HAN * 7}</p></html>')
    target = tmp_path / f"{name}.pdf"
    with cjk_layout():
        write_pdf(html, target, PdfOptions(base_dir=tmp_path, project_root=tmp_path))
    rows = defaultdict(list)
    with pdfplumber.open(target) as pdf:
        for char in pdf.pages[0].chars:
            rows[round(char["bottom"], 1)].append(char["x1"])
    ends = [max(x1s) for _, x1s in sorted(rows.items())][:-1]  # the last line is ragged
    edge = (170 - 5) / 25.4 * 72
    return [edge - end for end in ends]


def test_rounding_trap_both_ways(tmp_path, monkeypatch):
    diffused = _right_edge_shortfalls(tmp_path, "diffused")
    monkeypatch.setattr(weasy_patch._DiffusedRound, "__call__", lambda self, value: int(value))
    truncated = _right_edge_shortfalls(tmp_path, "truncated")
    assert len(diffused) == len(truncated) >= 4
    assert max(abs(s) for s in diffused) < 0.1
    assert max(truncated) > 0.15  # WeasyPrint's own int(): lines fall short of the edge
