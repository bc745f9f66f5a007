"""A book cannot reach outside its project: no file outside it is read, the network is not used,
and hostile text in a manuscript reaches the PDF and the EPUB only as text.
"""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from huozi import build
from huozi.cli import EXIT_INPUT, main
from huozi.config import load_config
from huozi.pdf.fetcher import FetchRefused, check_url


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


# --- the fetcher, alone ----------------------------------------------------------------------

def test_project_files_and_data_urls_are_served(project_root):
    check_url((project_root / "styles" / "base.css").as_uri(), project_root)
    check_url("data:image/png;base64,iVBORw0KGgo=", project_root)


@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", "outside the project folder"),
    ("FILE:///etc/passwd", "outside the project folder"),
    ("file://otherhost/etc/passwd", "a file on another host"),
    ("http://example.com/logo.png", "the build does not use the network"),
    ("https://example.com/font.woff2", "the build does not use the network"),
    ("ftp://example.com/x.css", "only files inside the project"),
    ("gopher://example.com/", "only files inside the project"),
])
def test_urls_outside_the_project_are_refused(project_root, url, words):
    with pytest.raises(FetchRefused, match=re.escape(words)) as caught:
        check_url(url, project_root)
    assert caught.value.hint


def test_dot_dot_escapes_are_refused(project_root):
    styles = project_root / "styles"
    for escape in ("../../../../../../etc/passwd", "../" * 20 + "etc/passwd", "..%2F" * 8 + "etc%2Fpasswd"):
        with pytest.raises(FetchRefused, match="outside the project folder"):
            check_url(f"file://{styles}/{escape}", project_root)
    # ...while `..` that stays inside the project is fine.
    check_url(f"file://{styles}/epub/../base.css", project_root)


def test_a_symlink_out_of_the_project_is_refused(project_copy):
    link = project_copy / "styles" / "leak.png"
    link.symlink_to("/etc/passwd")
    with pytest.raises(FetchRefused, match="refused to read '/etc/passwd'"):
        check_url(link.as_uri(), project_copy)


def test_allow_hosts_lets_only_the_listed_hosts_through(project_copy):
    with (project_copy / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[security]\nallow_hosts = ["assets.example.org"]\n')
    hosts = load_config(project_copy).security.allow_hosts
    assert hosts == ("assets.example.org",)
    check_url("https://assets.example.org/logo.png", project_copy, hosts)
    check_url("http://ASSETS.example.org/logo.png", project_copy, hosts)
    with pytest.raises(FetchRefused, match="does not use the network"):
        check_url("https://evil.example.org/logo.png", project_copy, hosts)
    # The switch is off by default.
    assert load_config(Path(__file__).resolve().parents[1]).security.allow_hosts == ()


def test_allow_hosts_must_be_a_list(project_copy, capsys):
    with (project_copy / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[security]\nallow_hosts = "assets.example.org"\n')
    code = main(["build", "--quiet", str(project_copy)])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    line = _line_of(project_copy / "book.toml", "allow_hosts")
    assert f"book.toml:{line}: 'security.allow_hosts' must be a list of strings" in err


# --- escapes tried through a real build ----------------------------------------------------

def _build_handout(root: Path, capsys, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(root)
    code = main(["build", "--quiet", ".", "--out", str(root / "dist"), "--edition", "handout"])
    return code, capsys.readouterr().err


def test_template_reading_etc_passwd_is_refused(project_copy, capsys, monkeypatch):
    template = project_copy / "styles" / "handout.html.j2"
    _replace(template, '<nav class="toc"', '<img src="file:///etc/passwd" alt="">\n  <nav class="toc"')
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    line = _line_of(template, "file:///etc/passwd")
    assert err.startswith(f"huozi: error: styles/handout.html.j2:{line}:"), err
    assert "refused to read '/etc/passwd': it is outside the project folder" in err
    assert not list((project_copy / "dist").iterdir())


def test_stylesheet_dot_dot_escape_is_refused(project_copy, capsys, monkeypatch):
    css = project_copy / "styles" / "handout.css"
    escape = "../" * 8 + "etc/hostname"
    with css.open("a", encoding="utf-8") as stylesheet:
        stylesheet.write(f'\nbody {{ background: url("{escape}"); }}\n')
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: styles/handout.css:{_line_of(css, 'etc/hostname')}:"), err
    assert "refused to read '/etc/hostname'" in err


def test_stylesheet_from_the_network_is_refused(project_copy, capsys, monkeypatch):
    template = project_copy / "styles" / "base.html.j2"
    _replace(template, "<style>", '<link rel="stylesheet" href="http://example.com/evil.css">\n<style>')
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: styles/base.html.j2:{_line_of(template, 'example.com')}:"), err
    assert "refused to fetch 'http://example.com/evil.css': the build does not use the network" in err
    assert "allow_hosts" in err


def test_symlinked_image_out_of_the_project_is_refused(project_copy, capsys, monkeypatch):
    (project_copy / "styles" / "leak.png").symlink_to("/etc/passwd")
    template = project_copy / "styles" / "handout.html.j2"
    _replace(template, '<nav class="toc"', '<img src="leak.png" alt="">\n  <nav class="toc"')
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    assert "refused to read '/etc/passwd'" in err


# --- hostile manuscript text -----------------------------------------------------------------

HOSTILE = """---
title: 注入测试
order: 99
---

正文<script>alert('pdf')</script>结束。

<iframe src="file:///etc/passwd"></iframe>

<img src="x.png" onerror="alert(1)"> 与 <a href="#" onclick="steal()">链接</a>

[点我](javascript:alert(1)) [再点](JaVaScRiPt:alert(2)) [文件](file:///etc/passwd) [数据](data:text/html;base64,PHNjcmlwdD4=)

<javascript:alert(3)> ![图](file:///etc/shadow)

模板：{{ config.root }} 与 {% include "book.toml" %} 以及 {{ 7*191 }}

[正常链接](https://example.org/a?b=1&c="x")
"""

LITERALS = ["<script>alert('pdf')</script>", '<iframe src="file:///etc/passwd"></iframe>',
            '<img src="x.png" onerror="alert(1)">', "{{ config.root }}", '{% include "book.toml" %}',
            "{{ 7*191 }}", "[点我](javascript:alert(1))"]

BAD_URL = re.compile(r"^\s*(javascript|vbscript|file|data):", re.IGNORECASE)
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory, project_root) -> dict[str, Path]:
    import shutil

    root = tmp_path_factory.mktemp("hostile") / "book"
    root.mkdir()
    for name in ("book.toml", "manuscript", "styles", "figures"):
        source = project_root / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    (root / "manuscript" / "99-hostile.md").write_text(HOSTILE, encoding="utf-8")
    result = build(root, root / "dist", ["handout", "epub"], environ={"SOURCE_DATE_EPOCH": "0"})
    return {o.edition: o.path for o in result.outputs} | {"root": root}


def test_hostile_markup_reaches_the_epub_only_as_text(hostile_book):
    with zipfile.ZipFile(hostile_book["epub"]) as epub:
        documents = {n: epub.read(n) for n in epub.namelist() if n.endswith(".xhtml")}
    hostile = next(body for name, body in documents.items() if name.endswith("hostile.xhtml"))
    text = "".join(ET.fromstring(hostile).itertext())
    for literal in LITERALS:
        assert literal in text
    assert str(hostile_book["root"]) not in text  # {{ config.root }} was not evaluated
    for name, body in documents.items():
        for element in ET.fromstring(body).iter():
            tag = element.tag.removeprefix(XHTML)
            assert tag not in ("script", "iframe", "object", "embed", "img") or tag == "img" and \
                not BAD_URL.match(element.get("src", "")), (name, tag)
            for attribute, value in element.attrib.items():
                assert not attribute.lower().startswith("on"), (name, tag, attribute)
                if attribute in ("href", "src"):
                    assert not BAD_URL.match(value), (name, attribute, value)
    # The one safe link survives, with its query escaped as XML requires.
    assert b'href="https://example.org/a?b=1&amp;c=%22x%22"' in hostile


def test_hostile_markup_reaches_the_pdf_only_as_text(hostile_book):
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject

    pdf = hostile_book["handout"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for literal in LITERALS:
        assert re.sub(r"\s+", "", literal) in flat, literal
    assert str(hostile_book["root"]) not in text
    reader = PdfReader(pdf)
    assert "/Names" not in reader.trailer["/Root"] or "/JavaScript" not in reader.trailer["/Root"]["/Names"]
    assert "/OpenAction" not in reader.trailer["/Root"] and "/AA" not in reader.trailer["/Root"]
    uris = []
    for page in reader.pages:
        assert "/AA" not in page
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object() if isinstance(annotation, IndirectObject) else annotation
            action = annotation.get("/A")
            if isinstance(action, DictionaryObject):
                assert action.get("/S") != "/JavaScript"
                if "/URI" in action:
                    uris.append(str(action["/URI"]))
    assert not [u for u in uris if BAD_URL.match(u)], uris
    assert any(u.startswith("https://example.org/a") for u in uris), uris


def test_a_symlinked_template_out_of_the_project_is_refused(project_copy, capsys, monkeypatch):
    (project_copy / "styles" / "evil.css").symlink_to("/etc/passwd")
    _replace(project_copy / "styles" / "handout.html.j2", '{% include "handout.css" %}',
             '{% include "handout.css" %}\n{% include "evil.css" %}')
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    assert err.startswith("huozi: error: styles/evil.css: refused to read '/etc/passwd'"), err
    assert "root:" not in err


def test_a_symlinked_manuscript_out_of_the_project_is_refused(project_copy, capsys, monkeypatch, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\ntitle: 外面\n---\n\n不属于本项目。\n", encoding="utf-8")
    (project_copy / "manuscript" / "03-linked.md").symlink_to(outside)
    code, err = _build_handout(project_copy, capsys, monkeypatch)
    assert code == EXIT_INPUT, err
    assert err.startswith(f"huozi: error: manuscript/03-linked.md: refused to read '{outside}'"), err
