"""The template contract (huozi/contract.py): huozi's theme carries every name the code relies on,
and a project's own copy of a theme file that drops one is refused at that file's line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from huozi import contract
from huozi.cli import main
from huozi.config import THEME_DIR
from huozi.errors import TemplateError
from huozi.skeleton import create_project


@pytest.mark.parametrize("name", contract.CONTRACT, ids=lambda n: f"{n.text}@{'+'.join(n.files)}")
def test_the_theme_carries_every_name(name):
    for file in name.files:
        text = (THEME_DIR / file).read_text(encoding="utf-8")
        assert contract._carries(text, name.text, contract._selector(file, name)), f"{file} lacks {name.text}"


def test_every_name_the_checks_read_is_declared():
    declared = {name.text for name in contract.CONTRACT}
    assert {contract.SOURCE_LINE, contract.SOURCE_FILE, contract.FIGURE_FILE, contract.REPEATED,
            contract.CONTINUED_ROW, contract.TURNED_PART, contract.CODE_LINE, contract.ARTICLE_CLASS,
            contract.HALT, contract.HALF, *contract.AUTOSPACE_SIDES, *contract.FLOATING,
            *contract.SECTION_CHROME, *contract.EPUB_SANS_CLASSES} <= declared


def _override(project: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """Copy the theme's `file` into the project with `old` replaced on its first line; that line's number."""
    target = project / "styles" / file
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(THEME_DIR / file, target)
    lines = target.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new)
    target.write_text("\n".join(lines), encoding="utf-8")
    return target, number + 1


@pytest.mark.parametrize("file, old, new", [
    ("blocks.html.j2", 'class="chart"', 'class="graph"'),        # the print placement's figures
    ("blocks.html.j2", 'data-src=', 'data-source='),             # the lint's and the validators' file
    ("base.css", ".hw-l", ".autospace-l"),                        # the typesetter's ¼ em
    ("epub/epub.css", ".book-subtitle", ".book-sub"),             # the EPUB's sans subsets
])
def test_a_renamed_name_in_an_override_is_an_error_at_its_line(tmp_path, capsys, file, old, new):
    project = create_project(tmp_path / "book")
    target, line = _override(project, file, old, new)
    name = old.strip(".=").split('"')[1] if '"' in old else old.strip(".=")
    edition = "epub" if file.startswith("epub/") else "handout"
    assert main(["build", str(project), "--edition", edition, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"{target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}:{line}:" in err, err
    assert "no longer has the" in err and f"'{name}'" in err, err


def test_an_override_that_keeps_the_names_builds(tmp_path):
    project = create_project(tmp_path / "book")
    _override(project, "blocks.html.j2", 'class="rule"', 'class="rule fancy"')  # another class: free to change
    assert main(["build", str(project), "--edition", "handout", "--quiet"]) == 0


def test_the_line_is_where_the_name_was_even_when_lines_moved():
    theme = (THEME_DIR / "base.css").read_text(encoding="utf-8")
    theme_line = next(i for i, line in enumerate(theme.splitlines()) if ".halt" in line)
    lines = theme.splitlines()
    lines[theme_line] = lines[theme_line].replace(".halt,", ".narrow,")
    edited = "/* a comment */\n/* and another */\n" + "\n".join(lines) + "\n"
    with pytest.raises(TemplateError) as caught:
        contract.check_template("base.css", Path("styles/base.css"), edited, theme)
    assert caught.value.where.line == theme_line + 3 and "'halt'" in caught.value.message
