"""The key numbers in figures/facts.toml against the manuscript: one source of truth, checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from huozi import build
from huozi.errors import FigureError
from huozi.figures.facts import check_facts, load_facts, read_source


@pytest.fixture(scope="module")
def book(project_root: Path):
    return load_facts(project_root / "figures")


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of `path` holding `text` (found, not hard-coded, so edits to the prose keep tests true)."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_data_file_holds_the_key_numbers_with_their_qualifiers(book):
    assert len(book.facts) >= 30
    qingdao = book.facts["longnan-sales-qingdao-2019"]
    assert (qingdao.value, qingdao.qualifier, qingdao.unit, qingdao.text) == (7400, "余", "万元", "7400余万元")
    assert book.facts["longnan-sales-total-2019"].text == "1.5亿元"
    assert book.facts["hangzhou-firms"].text == "370多家"
    assert book.facts["hangzhou-village-heads"].text == "100多名"
    assert book.facts["years-of-pattern"].qualifier == "余"
    for fact in book.facts.values():
        assert fact.label and fact.year and fact.quote
        assert re.search(r"[\u4e00-\u9fff]", fact.label), fact.id


def test_every_fact_is_stated_by_the_manuscript_at_the_line_reported(book, manuscript):
    lines = check_facts(book, manuscript.files)
    assert set(lines) == set(book.facts)
    sources = {p.name: read_source(p) for p in manuscript.files}
    for fact in book.facts.values():
        text = sources[fact.file].text
        assert fact.quote in text
        if fact.value is not None:
            assert fact.text in fact.quote
        # The reported line is where the quote begins in the real file.
        raw = next(p for p in manuscript.files if p.name == fact.file).read_text(encoding="utf-8")
        assert fact.quote[:4] in raw.splitlines()[lines[fact.id] - 1], fact.id


def test_changing_a_number_in_the_prose_fails_the_build_naming_fact_and_line(project_copy, tmp_path):
    article = project_copy / "manuscript" / "01-shanhai.md"
    line = _line_of(article, "483亿元")
    article.write_text(article.read_text(encoding="utf-8").replace("483亿元", "484亿元"), encoding="utf-8")
    with pytest.raises(FigureError) as caught:
        build(project_copy, tmp_path / "out")
    message = str(caught.value)
    assert "east-purchases-2019" in message
    assert f"01-shanhai.md:{line}:" in message
    assert "484亿元" in message and "483亿元" in message
    assert not (tmp_path / "out" / "shanhai-print.pdf").exists()


def test_changing_the_data_but_not_the_prose_fails_too(project_copy, tmp_path):
    facts = project_copy / "figures" / "facts.toml"
    source = facts.read_text(encoding="utf-8")
    block = source.index('id = "east-purchases-2019"')
    edited = source[:block] + source[block:].replace("value = 483", "value = 484", 1)
    facts.write_text(edited, encoding="utf-8")
    line = _line_of(project_copy / "manuscript" / "01-shanhai.md", "483亿元")
    with pytest.raises(FigureError) as caught:
        build(project_copy, tmp_path / "out")
    message = str(caught.value)
    assert "east-purchases-2019" in message and "484亿元" in message
    assert f"01-shanhai.md:{line}:" in message


def test_dropping_a_qualifier_from_the_prose_fails(project_copy, tmp_path):
    article = project_copy / "manuscript" / "01-shanhai.md"
    line = _line_of(article, "7400余万元")
    article.write_text(article.read_text(encoding="utf-8").replace("7400余万元", "7400万元"), encoding="utf-8")
    with pytest.raises(FigureError, match="longnan-sales-qingdao-2019") as caught:
        build(project_copy, tmp_path / "out")
    assert f"01-shanhai.md:{line}:" in str(caught.value)


def test_a_quote_rewritten_in_the_prose_is_reported_at_the_nearest_line(project_copy, tmp_path):
    article = project_copy / "manuscript" / "01-shanhai.md"
    line = _line_of(article, "累计接待游客20万人次")
    article.write_text(article.read_text(encoding="utf-8").replace("累计接待游客", "共接待游客"), encoding="utf-8")
    with pytest.raises(FigureError, match="luotuowan-visitors") as caught:
        build(project_copy, tmp_path / "out")
    assert f"01-shanhai.md:{line}:" in str(caught.value)


def test_an_unknown_figure_id_is_an_error_at_its_directive(project_copy, tmp_path):
    article = project_copy / "manuscript" / "02-fangan.md"
    article.write_text(article.read_text(encoding="utf-8").replace("::: figure timeline", "::: figure timelime"),
                       encoding="utf-8")
    line = _line_of(article, "::: figure timelime")
    with pytest.raises(FigureError, match="unknown figure 'timelime'") as caught:
        build(project_copy, tmp_path / "out")
    assert f"02-fangan.md:{line}:" in str(caught.value)


def test_a_spec_naming_an_unknown_fact_is_an_error(project_copy, tmp_path):
    spec = project_copy / "figures" / "purchases-2019.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('"central-purchases-2019"]', '"central-purchase-2019"]'),
                    encoding="utf-8")
    with pytest.raises(FigureError, match="unknown fact 'central-purchase-2019'") as caught:
        build(project_copy, tmp_path / "out")
    assert "purchases-2019.toml" in str(caught.value) and "central-purchases-2019" in caught.value.hint
