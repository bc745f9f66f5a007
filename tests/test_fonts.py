"""fontconfig is asked once; its answer is reused while fontconfig's own state is unchanged."""
from __future__ import annotations

import json

import pytest

from huozi import fonts
from huozi.fonts import SERIF, require_cjk_fonts


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(fonts, "_FOUND", {})
    calls = []
    real = fonts._fc_list

    def counting(family):
        calls.append(family)
        return real(family)

    monkeypatch.setattr(fonts, "_fc_list", counting)
    return calls


def test_lookup_cache_answers_without_fontconfig(tmp_path, fresh, monkeypatch):
    cache = tmp_path / "fontconfig.json"
    first = require_cjk_fonts((SERIF,), cache_file=cache)
    assert fresh == [SERIF, SERIF] and cache.is_file()
    monkeypatch.setattr(fonts, "_FOUND", {})
    fresh.clear()
    assert require_cjk_fonts((SERIF,), cache_file=cache) == first
    assert fresh == []                                       # answered from the cache
    assert fonts.find_font(SERIF, "Bold") == first[1]        # and seeded for later look-ups
    assert fresh == []


def test_a_changed_fontconfig_asks_again(tmp_path, fresh, monkeypatch):
    cache = tmp_path / "fontconfig.json"
    require_cjk_fonts((SERIF,), cache_file=cache)
    monkeypatch.setattr(fonts, "_FOUND", {})
    fresh.clear()
    monkeypatch.setenv("FONTCONFIG_PATH", str(tmp_path))     # another configuration
    require_cjk_fonts((SERIF,), cache_file=cache)
    assert fresh == [SERIF, SERIF]


def test_a_vanished_font_file_asks_again(tmp_path, fresh, monkeypatch):
    cache = tmp_path / "fontconfig.json"
    require_cjk_fonts((SERIF,), cache_file=cache)
    data = json.loads(cache.read_text())
    data["faces"] = {k: str(tmp_path / "gone.ttc") for k in data["faces"]}
    cache.write_text(json.dumps(data))
    monkeypatch.setattr(fonts, "_FOUND", {})
    fresh.clear()
    faces = require_cjk_fonts((SERIF,), cache_file=cache)
    assert fresh == [SERIF, SERIF] and all(f.path.is_file() for f in faces)


def test_a_long_lived_process_asks_again_when_fontconfig_changes(tmp_path, fresh, monkeypatch):
    """huozi watch: faces found earlier in the process are forgotten when fontconfig's state changes,
    so a font installed or removed meanwhile is seen (and no stale answer is written to the cache)."""
    cache = tmp_path / "fontconfig.json"
    require_cjk_fonts((SERIF,), cache_file=cache)
    fresh.clear()
    require_cjk_fonts((SERIF,))                                # same state: from memory
    assert fresh == []
    monkeypatch.setenv("FONTCONFIG_PATH", str(tmp_path))     # another configuration, same process
    require_cjk_fonts((SERIF,), cache_file=cache)
    assert fresh == [SERIF, SERIF]


def test_coverage_is_kept_while_fontconfig_is_unchanged(tmp_path, monkeypatch):
    """Which code points the installed fonts have: fc-list asked once, then the cache answers
    (in memory, and in the file for the next process); another fontconfig state asks again."""
    asked = []
    real = fonts._fc_coverage

    def counting():
        asked.append(1)
        return real()

    monkeypatch.setattr(fonts, "_fc_coverage", counting)
    monkeypatch.setattr(fonts, "_COVERAGE", [None, None])
    cache = tmp_path / "coverage.json"
    first = fonts.installed_coverage(cache)
    assert len(asked) == 1 and cache.is_file() and first[0] and len(first[0]) == len(first[1])
    assert fonts.installed_coverage(cache) == first and len(asked) == 1          # memory
    monkeypatch.setattr(fonts, "_COVERAGE", [None, None])
    assert fonts.installed_coverage(cache) == first and len(asked) == 1          # the file
    monkeypatch.setenv("FONTCONFIG_PATH", str(tmp_path))                        # another configuration
    fonts.installed_coverage(cache)
    assert len(asked) == 2


def test_a_character_no_font_has_is_refused_at_its_place(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("第一行\n有一个\U000F0000字\n", encoding="utf-8")            # a private-use plane-15 point
    with pytest.raises(fonts.FontError) as caught:
        fonts.check_coverage([page], tmp_path / "coverage.json")
    assert (caught.value.where.line, caught.value.where.column) == (2, 4)
