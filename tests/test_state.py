"""The inputs key's cheap parts: tool versions from dist-info names, one hash per source file."""
from __future__ import annotations

from importlib import metadata

from huozi.cache import TOOLS, dist_info_versions, tool_versions
from huozi.state import inputs_key


def test_tool_versions_match_importlib_metadata():
    expected = {}
    for name in TOOLS:
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected[name] = "absent"
    assert tool_versions() == expected


def test_dist_info_names_are_normalised():
    found = dist_info_versions()
    assert found["markdown_it_py"] == metadata.version("markdown-it-py")
    assert found["weasyprint"] == metadata.version("weasyprint")


def test_memo_gives_the_same_key_and_an_edit_changes_it(project_copy):
    from huozi.config import load_config

    config = load_config(project_copy)
    memo: dict = {}
    first = inputs_key(config, "print", 0, (), memo)
    assert memo and first == inputs_key(config, "print", 0, (), memo)
    assert first == inputs_key(config, "print", 0, ())
    article = sorted((project_copy / "manuscript").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\n再加一段。\n", encoding="utf-8")
    assert inputs_key(config, "print", 0, ()) != first
