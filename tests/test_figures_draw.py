"""Figures drawn from the data only: real text, grey ink, byte-identical SVG, and a cache that skips matplotlib."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from huozi.figures import render_figures
from huozi.figures.facts import load_facts
from huozi.figures.plot import draw
from huozi.figures.spec import load_specs
from huozi.manuscript import parse_manuscript

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def book(project_root: Path):
    return load_facts(project_root / "figures")


@pytest.fixture(scope="module")
def specs(project_root: Path, book):
    return load_specs(project_root / "figures", book)


@pytest.fixture(scope="module")
def drawn(specs, book) -> dict[str, str]:
    return {spec_id: draw(spec, book) for spec_id, spec in specs.items()}


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg.encode()).iter(f"{SVG}text")]


def test_at_least_five_numbered_figures_with_caption_source_and_alt(specs):
    assert len(specs) >= 5
    assert sorted(s.number for s in specs.values()) == list(range(1, len(specs) + 1))
    assert {s.kind for s in specs.values()} == {"bars", "pairings", "panel", "timeline"}
    for spec in specs.values():
        assert spec.caption and spec.source.startswith("数据来源：")
        assert "{" not in spec.alt + spec.caption + spec.source  # every placeholder filled


def test_alt_text_states_every_number_the_figure_draws(specs):
    for spec in specs.values():
        for fact in spec.all_facts:
            assert (fact.text if fact.value is not None and fact.unit != "年" else str(fact.year)) in spec.alt, \
                (spec.id, fact.id)


def test_every_number_in_a_figure_comes_from_the_data(drawn, specs, book):
    allowed = set()
    for fact in book.facts.values():
        allowed |= {str(fact.year), *NUMBER.findall(fact.text)}
    allowed |= {str(p.since) for p in book.pairings if p.since}
    for spec_id, svg in drawn.items():
        texts = _texts(svg)
        assert texts, spec_id
        numbers = {n for t in texts for n in NUMBER.findall(t)}
        assert numbers <= allowed, (spec_id, numbers - allowed)
        for fact in specs[spec_id].all_facts:
            wanted = fact.text if fact.value is not None and fact.unit != "年" else str(fact.year)
            assert any(wanted in t for t in texts), (spec_id, fact.id)


def test_labels_are_svg_text_in_the_cjk_font_and_the_ink_is_grey(drawn):
    for spec_id, svg in drawn.items():
        assert "font-family: 'Noto Sans CJK SC'" in svg
        assert 'id="DejaVu' not in svg and "<path id=\"Noto" not in svg  # no glyphs turned into paths
        for colour in re.findall(r"#([0-9a-fA-F]{6})\b", svg):
            r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
            assert r == g == b, (spec_id, colour)


def test_drawing_is_byte_identical_run_to_run(drawn, specs, book):
    spec = specs["pairings"]
    assert draw(spec, book) == drawn["pairings"]
    assert "<dc:date>" not in drawn["pairings"]


def test_bars_are_to_scale_across_money_units(drawn, specs):
    """7400余万元 against 1.5亿元: the bars' lengths keep the 7400 : 15000 ratio."""
    root = ET.fromstring(drawn["longnan-2019"].encode())
    widths = []
    for path in root.iter(f"{SVG}path"):
        xs = [float(x) for x in re.findall(r"[ML] ([\d.]+) ", path.get("d", ""))]
        if len(xs) >= 4 and re.search(r"fill: #(?!ffffff)", path.get("style", "")):
            widths.append(max(xs) - min(xs))
    facts = specs["longnan-2019"].facts
    assert len(widths) >= 2
    assert widths[0] / widths[1] == pytest.approx(7400 / 15000 if facts[0].unit == "万元" else 15000 / 7400, rel=0.01)


def _copy_render(project: Path):
    return render_figures(project, project / "figures", parse_manuscript(project / "manuscript"))


def test_a_second_render_draws_nothing_and_a_data_change_redraws_only_its_figure(project_copy):
    first = _copy_render(project_copy)
    assert set(first.drawn) == set(first)
    second = _copy_render(project_copy)
    assert second.drawn == ()
    assert {k: v.svg for k, v in second.items()} == {k: v.svg for k, v in first.items()}
    # Change a number in prose and data together: only the figures that draw it are redrawn.
    facts = project_copy / "figures" / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("value = 3378", "value = 3379")
                     .replace("3378人就业", "3379人就业"), encoding="utf-8")
    article = project_copy / "manuscript" / "01-shanhai.md"
    article.write_text(article.read_text(encoding="utf-8").replace("3378人", "3379人"), encoding="utf-8")
    third = _copy_render(project_copy)
    assert third.drawn == ("pairing-results",)
    assert "3379人" in third["pairing-results"].svg


def test_a_damaged_cache_entry_is_redrawn(project_copy):
    _copy_render(project_copy)
    entry = next((project_copy / ".huozi-cache" / "figures").glob("timeline-*.svg"))
    entry.write_text("<?xml version='1.0'?><svg>", encoding="utf-8")
    again = _copy_render(project_copy)
    assert again.drawn == ("timeline",)
    assert again["timeline"].svg.rstrip().endswith("</svg>")


PROBE = """
import sys
from huozi import build
result = build(sys.argv[1], sys.argv[2], editions=["epub"])
print("matplotlib" in sys.modules, any(m.startswith("matplotlib") for m in sys.modules))
"""


def test_a_fully_cached_build_does_not_import_matplotlib(project_copy, tmp_path):
    def run() -> str:
        env_path = str(Path(__file__).resolve().parents[1] / "src")
        done = subprocess.run([sys.executable, "-c", PROBE, str(project_copy), str(tmp_path / "out")],
                              capture_output=True, text=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
                              check=True)
        return done.stdout.strip()

    assert run() == "True True"  # cold cache: the figures are drawn, so the probe can tell
    assert run() == "False False"


def test_outlined_shapes_stay_inside_the_canvas(drawn):
    """A stroke on the canvas edge is cut in half when the SVG is placed: outlines keep clear of it."""
    for spec_id, svg in drawn.items():
        root = ET.fromstring(svg.encode())
        width = float(root.get("viewBox").split()[2])
        for path in root.iter(f"{SVG}path"):
            style = path.get("style", "")
            stroke = re.search(r"stroke-width: ([\d.]+)", style)
            if not stroke or "stroke: none" in style or not path.get("d", "").rstrip().endswith("z"):
                continue
            xs = [float(x) for x in re.findall(r"[MLC] ([-\d.]+) ", path.get("d", ""))]
            half = float(stroke.group(1)) / 2
            assert min(xs) >= half - 0.01 and max(xs) <= width - half + 0.01, (spec_id, min(xs), max(xs))


def test_a_wrapped_note_fits_its_width_with_the_autospace_and_keeps_marks_off_line_starts():
    # The ¼ em the SVG's dx adds between Han and digits counts: before, 图1's note ran past the
    # canvas and its closing 。 was cut off in every edition.
    from huozi.figures.plot import _wrap, text_width_mm
    from huozi.text.chars import NO_START

    note = "1996年起，东部9省（市）和4个计划单列市对口帮扶西部10个省（区、市）。文中举例"
    lines = _wrap(note, 100.0, 8.0, keep=("10个省（区、市）",))
    assert "".join(lines) == note and len(lines) == 2
    assert all(text_width_mm(line, 8.0) <= 100.0 for line in lines)
    assert not any(line[0] in NO_START for line in lines)
    assert any("10个省（区、市）" in line for line in lines)


def test_matplotlib_imported_without_set_signatures_draws_the_same_svg(project_root: Path):
    """plot._import_matplotlib skips the help text every Artist subclass builds for its set():
    the figures are the bytes a plain `import matplotlib` draws, and set() still sets."""
    script = f"""
import hashlib, sys
from pathlib import Path
from huozi.figures import plot
from huozi.figures.facts import load_facts
from huozi.figures.spec import load_specs
if sys.argv[1] == "plain":
    plot._import_matplotlib = lambda: __import__("matplotlib")
book = load_facts(Path({str(project_root / "figures")!r}))
specs = load_specs(Path({str(project_root / "figures")!r}), book)
print(hashlib.sha256("".join(plot.draw(s, book) for _, s in sorted(specs.items())).encode()).hexdigest())
from matplotlib.lines import Line2D
line = Line2D([0], [0])
line.set(linewidth=3, alpha=0.5)
print(line.get_linewidth(), line.get_alpha(), getattr(Line2D.set, "_autogenerated_signature", False))
"""
    runs = [subprocess.run([sys.executable, "-c", script, how], capture_output=True, text=True, check=True).stdout
            for how in ("plain", "quick")]
    assert runs[0] == runs[1]
    assert runs[1].splitlines()[1] == "3.0 0.5 True"
