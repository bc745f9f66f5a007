"""SVG text in the PDFs (weasy_patch.svg_text_runs): drawn a run at a time, every letter where
WeasyPrint's own letter-by-letter drawing puts it."""
from __future__ import annotations

import base64
import io

import pdfplumber
import pytest

from huozi.fonts import SANS

# As the figures write their labels (figures/svg.py): one x and y, a ¼ em dx between Han and
# digits, anchored at the start, middle or end; a tspan; bold.
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="300" height="140" viewBox="0 0 300 140">
<g style="font-family: '{SANS}', sans-serif; font-size: 9px">
<text x="10" y="20" style="text-anchor: start">在青岛销售</text>
<text x="150" y="45" style="text-anchor: middle; font-weight: 700" dx="0 0 0 0 2.25 0 0">7400余万元</text>
<text x="290" y="70" style="text-anchor: end" dx="0 0 0 2.25 0">1.5亿元</text>
<text x="10" y="95">年份<tspan dx="2.25">2019</tspan> 至 2020</text>
<text x="10" y="120" rotate="0 10 20">旋转</text>
</g></svg>"""


def _chars(patched: bool, monkeypatch) -> list[tuple[str, float, float]]:
    import weasyprint

    from huozi.pdf import weasy_patch

    runs: list[bool] = []
    drawn = weasy_patch._draw_text_runs
    monkeypatch.setattr(weasy_patch, "_draw_text_runs", lambda *args: runs.append(drawn(*args)) or runs[-1])
    source = base64.b64encode(SVG.encode()).decode()   # an image, as the figures are
    html = weasyprint.HTML(string=f"<body style='margin:0'><img src='data:image/svg+xml;base64,{source}'></body>")
    if patched:
        with weasy_patch.svg_text_runs():
            pdf = html.write_pdf()
        assert runs.count(True) >= 4 and runs.count(False) == 1   # the rotated one is WeasyPrint's
    else:
        pdf = html.write_pdf()
        assert runs == []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        # A space is drawn in its run; WeasyPrint's letters leave its width but draw no glyph.
        return [(c["text"], c["x0"], c["top"]) for c in document.pages[0].chars if not c["text"].isspace()]


def test_svg_text_drawn_by_runs_lands_where_letters_did(monkeypatch):
    ours, theirs = _chars(True, monkeypatch), _chars(False, monkeypatch)
    assert "".join(c[0] for c in ours) == "".join(c[0] for c in theirs)
    assert "".join(c[0] for c in ours) == "在青岛销售7400余万元1.5亿元年份2019至2020旋转"
    for (text, x, top), (_, x_theirs, top_theirs) in zip(ours, theirs):
        assert x == pytest.approx(x_theirs, abs=0.05), text
        assert top == pytest.approx(top_theirs, abs=0.05), text


def test_svg_text_patch_is_undone():
    import weasyprint.svg as svg

    from huozi.pdf import weasy_patch

    before = svg.text
    with weasy_patch.svg_text_runs():
        assert svg.TAGS["text"] is svg.text is not before
    assert svg.TAGS["text"] is svg.TAGS["tspan"] is svg.text is before
