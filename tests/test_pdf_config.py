"""[print] options: trim, bleed and output profile are checked, and bad values say where."""
from __future__ import annotations

import pytest

from huozi import build
from huozi.config import css_length_pt, load_config
from huozi.errors import ConfigError


def _with_print_table(project, body: str) -> None:
    path = project / "book.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[print]")
    path.write_text(text[:start] + "[print]\n" + body + "\n", encoding="utf-8")


def test_css_lengths_convert_to_points():
    assert css_length_pt("3mm") == pytest.approx(8.5039, abs=1e-4)
    assert css_length_pt("1in") == 72
    assert css_length_pt("0") == 0
    for bad in ("3", "three mm", "-1mm", "10%"):
        with pytest.raises(ValueError):
            css_length_pt(bad)


def test_sheet_bleed_holds_bleed_and_marks(config):
    # The CSS bleed reaches 9 mm past the 3 mm bleed, so the crop marks stay out of the cut.
    assert css_length_pt(config.print.sheet_bleed) == pytest.approx(css_length_pt("12mm"), abs=0.01)


@pytest.mark.parametrize("body, key", [
    ('trim = "140mm"', "trim"),
    ('trim = "A5 wide"', "trim"),
    ('bleed = "20mm"', "bleed"),
    ('bleed = "a little"', "bleed"),
])
def test_bad_trim_or_bleed_is_a_config_error_at_its_line(project_copy, body, key):
    _with_print_table(project_copy, body)
    with pytest.raises(ConfigError) as caught:
        load_config(project_copy)
    error = caught.value
    assert f"print.{key}" in error.message
    assert error.where.path.name == "book.toml"
    lines = (project_copy / "book.toml").read_text(encoding="utf-8").splitlines()
    assert lines[error.where.line - 1].startswith(key)
    assert error.hint


def test_missing_output_profile_stops_the_print_build(project_copy, tmp_path):
    _with_print_table(project_copy, 'output_profile = "press/missing.icc"')
    with pytest.raises(ConfigError) as caught:
        build(project_copy, tmp_path / "out", editions=["print"], environ={})
    assert "missing.icc" in caught.value.message
    assert "output_profile" in caught.value.hint
    assert not (tmp_path / "out" / "shanhai-print.pdf").exists()


def test_an_rgb_profile_is_refused_as_output_intent(project_copy, tmp_path):
    from importlib.resources import files

    rgb = files("weasyprint.pdf") / "sRGB2014.icc"
    (project_copy / "srgb.icc").write_bytes(rgb.read_bytes())
    _with_print_table(project_copy, 'output_profile = "srgb.icc"')
    with pytest.raises(ConfigError) as caught:
        build(project_copy, tmp_path / "out", editions=["print"], environ={})
    assert "not a CMYK printer profile" in caught.value.message
