"""Front matter and config as Pandoc and Quarto users write them: `author` and `date`, a `[fonts]`
table checked against fontconfig, and the photo placeholder's words from `[labels]`.
"""
from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from huozi import build
from huozi.cli import EXIT_INPUT, main
from huozi.config import load_config
from huozi.editions import EDITIONS
from huozi.errors import ConfigError, ManuscriptError
from huozi.layout.render import render_edition
from huozi.manuscript import parse_manuscript
from huozi.manuscript.parse import parse_article
from huozi.skeleton import create_project


@pytest.fixture
def small_book(tmp_path) -> Path:
    return create_project(tmp_path / "small")


def _article(tmp_path: Path, front: str, body: str = "正文。") -> Path:
    path = tmp_path / "01-a.md"
    path.write_text(f"---\ntitle: 标题\n{front}\n---\n\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("front, byline, authors", [
    ("author: 张三", "张三", ("张三",)),
    ("author: [张三, 李四]", "张三、李四", ("张三", "李四")),
    ("author:\n  - 张三\n  - Jane Doe", "张三、Jane Doe", ("张三", "Jane Doe")),
    ("byline: ■本报记者 张三\nauthor: 张三", "■本报记者 张三", ("张三",)),
])
def test_author_is_the_byline_unless_a_byline_is_given(tmp_path, front, byline, authors):
    article = parse_article(_article(tmp_path, front))
    assert (article.byline, article.authors) == (byline, authors)


def test_date_is_kept_as_written(tmp_path):
    assert parse_article(_article(tmp_path, "date: 2024-05-01")).date == "2024-05-01"
    assert parse_article(_article(tmp_path, "date: 2024年5月")).date == "2024年5月"


@pytest.mark.parametrize("front", ["author: 42", "author: [张三, 7]", "author: ['']", "author: {a: b}"])
def test_a_malformed_author_is_an_error_at_its_line(tmp_path, front):
    with pytest.raises(ManuscriptError, match="'author'") as caught:
        parse_article(_article(tmp_path, front))
    assert caught.value.where.line == 3


def test_author_and_date_reach_the_page(small_book):
    sample = next((small_book / "manuscript").glob("*.md"))
    sample.write_text(sample.read_text(encoding="utf-8").replace("byline: ■作者", "author: [张三, 李四]\ndate: 2024-05-01"),
                      encoding="utf-8")
    config = load_config(small_book)
    html = render_edition(config, parse_manuscript(config.manuscript_dir), EDITIONS["handout"])
    assert '<p class="byline">张三、李四</p>' in html
    assert '<p class="date">2024-05-01</p>' in html


def _photo_book(project: Path) -> None:
    (project / "manuscript" / "02-photo.md").write_text(
        "---\ntitle: 图片\n---\n\n::: photo 张三摄\n会场一角。\n:::\n", encoding="utf-8")


def test_the_photo_placeholder_says_what_the_config_says(small_book):
    _photo_book(small_book)
    config = load_config(small_book)
    manuscript = parse_manuscript(config.manuscript_dir)
    html = render_edition(config, manuscript, EDITIONS["handout"])
    assert "［照片：本书未收录］" in html and "原报" not in html  # no claim about a newspaper by default
    with (small_book / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[labels]\nphoto_placeholder = "图片待补"\n')
    html = render_edition(load_config(small_book), manuscript, EDITIONS["handout"])
    assert "［图片待补］" in html and 'aria-label="图片待补"' in html


# --- [fonts] -------------------------------------------------------------------------------

def _fonts(project: Path, **families: str) -> int:
    toml = project / "book.toml"
    text = toml.read_text(encoding="utf-8")
    line = text.count("\n") + 3
    toml.write_text(text + "\n[fonts]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in families.items()),
                    encoding="utf-8")
    return line


@pytest.mark.parametrize("role", ["body", "heading", "mono", "quote"])
def test_a_missing_font_is_named_at_its_book_toml_line(small_book, capsys, role):
    line = _fonts(small_book, **{role: "No Such Face SC"})
    assert main(["build", str(small_book), "--quiet"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"book.toml:{line}" in err and "'No Such Face SC'" in err and f"[fonts] {role}" in err
    assert "Traceback" not in err and not (small_book / "dist" / "book.epub").exists()


@pytest.mark.parametrize("family", ["", 'Evil"; } body { color: red', "a\\b", "x{y}"])
def test_a_font_name_that_is_not_a_name_is_refused(small_book, family):
    _fonts(small_book, body=family)
    with pytest.raises(ConfigError, match="fonts.body"):
        load_config(small_book)


def test_fonts_table_sets_the_faces_of_every_edition(small_book, tmp_path):
    # Headings in the serif face: no sans face is left in the handout, and the EPUB embeds
    # one file per face, holding the characters of both roles.
    _fonts(small_book, heading="Noto Serif CJK SC")
    result = build(small_book, tmp_path / "out", ["handout", "epub"], environ={"SOURCE_DATE_EPOCH": "0"})
    paths = {o.edition: o.path for o in result.outputs}
    fonts = subprocess.run(["pdffonts", str(paths["handout"])], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts and "Sans" not in fonts
    with zipfile.ZipFile(paths["epub"]) as epub:
        names = [n for n in epub.namelist() if n.startswith("EPUB/fonts/")]
        css = epub.read("EPUB/style/book.css").decode()
    assert not any("Sans" in n for n in names)
    assert css.count("@font-face") == len(names)
    assert 'font-family: "Noto Serif CJK SC"' in css and '"Noto Sans CJK SC"' not in css
