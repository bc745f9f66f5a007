"""Issue 16's targets on a longer book (20 000+ characters) in each punctuation scheme.

The book is the two articles' paragraphs, each article six times over under other section
headings (no figures: a figure is placed once per book), so it is set with the real text's
mix of marks, quotes, digits and Latin. Measured with pdfplumber (tests/typography_measure.py),
not by huozi's own lint.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from huozi import build
from typography_measure import advance_spread, flush, punctuation_advances, read_body, spacing

ROOT = Path(__file__).resolve().parents[1]
COPIES = 6


def _long_book(root: Path, manuscript, scheme: str) -> Path:
    root.mkdir(parents=True)
    config = (ROOT / "book.toml").read_text(encoding="utf-8")
    (root / "book.toml").write_text(config + f'\n[typography]\npunctuation = "{scheme}"\n'
                                    if "[typography]" not in config else
                                    config.replace("[typography]", f'[typography]\npunctuation = "{scheme}"'),
                                    encoding="utf-8")
    shutil.copytree(ROOT / "styles", root / "styles")
    (root / "manuscript").mkdir()
    order = 0
    for copy in range(COPIES):
        for article in manuscript.articles:
            order += 1
            body = []
            for number, section in enumerate(article.sections, 1):
                paragraphs = [b.text for b in section.blocks if hasattr(b, "inlines") and not hasattr(b, "level")]
                if paragraphs:
                    body.append(f"## 第{number}节\n\n" + "\n\n".join(paragraphs))
            text = f"---\ntitle: {article.title}（{copy + 1}）\norder: {order}\n---\n\n" + "\n\n".join(body) + "\n"
            (root / "manuscript" / f"{order:02d}-part.md").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def long_books(manuscript, tmp_path_factory):
    """scheme -> {edition: PDF}: one build of both PDF editions per scheme (side by side in two
    workers), made when a test first asks for that scheme."""
    built: dict[str, dict[str, Path]] = {}

    def get(scheme: str) -> dict[str, Path]:
        if scheme not in built:
            root = _long_book(tmp_path_factory.mktemp(f"long-{scheme}") / "book", manuscript, scheme)
            characters = sum(len(p.read_text(encoding="utf-8")) for p in (root / "manuscript").glob("*.md"))
            assert characters >= 20_000
            result = build(root, root / "dist", ["print", "handout"], environ={"SOURCE_DATE_EPOCH": "0"})
            built[scheme] = {o.edition: o.path for o in result.outputs}
        return built[scheme]

    return get


@pytest.fixture(scope="module", params=[(scheme, edition) for scheme in ("quanjiao", "kaiming", "banjiao")
                                        for edition in ("print", "handout")])
def long_print(request, long_books):
    scheme, edition = request.param
    return f"{scheme} {edition}", read_body(long_books(scheme)[edition])


def test_long_book_colour_is_even_in_every_scheme(long_print):
    scheme, body = long_print
    measured = spacing(body)
    assert len(measured.per_line) > 400, scheme
    assert measured.worst <= 0.06, (scheme, measured.worst_lines())
    assert measured.p90 <= 0.021, (scheme, measured.p90)
    assert all(flush(body, i) for i in body.nonfinal()), scheme


def test_long_book_marks_have_one_advance_per_context_in_every_scheme(long_print):
    scheme, body = long_print
    spread = advance_spread(punctuation_advances(body))
    assert spread and max(spread.values()) <= 0.02, (scheme, {k: v for k, v in spread.items() if v > 0.02})
