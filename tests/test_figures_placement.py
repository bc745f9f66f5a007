"""Print placement: the second look at the figures, taken on the book's own layout, decides what a
second trial layout of each article alone decided (figures/placement.py)."""
from __future__ import annotations

from typing import Any

from huozi.editions import EDITIONS
from huozi.figures.placement import float_figures
from huozi.figures.render import render_figures
from huozi.fonts import fontconfig_stamp
from huozi.layout.render import render_edition
from huozi.manuscript.model import FigureRef
from huozi.pdf import kept, layout
from huozi.pdf.variants import pdf_options
from huozi.pdf.weasy_patch import cjk_layout_for
from huozi.pdf.writer import render_document
from huozi.text.typeset import typesetter_for


def _order(manuscript) -> list[list[str]]:
    return [[type(b).__name__ + (f":{b.figure_id}" if isinstance(b, FigureRef) else "") for b in a.blocks]
            for a in manuscript.articles]


def test_the_book_layout_places_figures_as_two_trials_of_each_article_would(config, manuscript, monkeypatch):
    edition = EDITIONS["print"]
    figures = render_figures(config.root, config.figures_dir, manuscript)
    options = pdf_options(config, edition, 0)
    typeset = typesetter_for(config)

    def html(m) -> str:
        return render_edition(config, m, edition, figures=figures, typeset=typeset)

    def trial(source: str) -> tuple[Any, bool]:
        return render_document(source, options), True

    with cjk_layout_for(config.typography):
        two_trials = float_figures(manuscript, html, trial, {}, salt=repr(fontconfig_stamp()), passes=2)
        one_trial = float_figures(manuscript, html, trial, {}, salt=repr(fontconfig_stamp()), passes=1)
    kept.PLACEMENTS.clear()                      # a cold layout: no decision kept from another test,
    monkeypatch.setattr(kept, "_load", lambda *args: {})   # nor from an earlier build's cache
    laid = layout.lay_out(config, manuscript, edition, figures)
    assert _order(laid.manuscript) == _order(two_trials)
    # The book is a case for it: the second look moves a figure the first trials did not.
    assert _order(two_trials) != _order(one_trial)


def test_a_cold_layout_takes_the_first_look_on_the_book_when_its_figures_are_most_of_it(config, manuscript,
                                                                                       monkeypatch):
    """Both articles of this book have figures: with nothing kept, one layout of the book is the
    first look (placement.look_on_the_book), then the book with the moves and once more after the
    second look: three layouts, where trials of each article alone took four. The moves are those
    of the trials (the test above; the bytes, tests/test_pdf_common.py and the README)."""
    from huozi.figures import placement
    from huozi.pdf import segments, writer

    edition = EDITIONS["print"]
    figures = render_figures(config.root, config.figures_dir, manuscript)
    kept.PLACEMENTS.clear()
    monkeypatch.setattr(kept, "_load", lambda *args: {})
    segments.forget()
    calls: list[int] = []
    real = writer.render_document

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "render_document", counted)
    layout.lay_out(config, manuscript, edition, figures)
    assert len(calls) == 3
    # The rule itself: where no pages are kept, three quarters of the book; where they are, under half.
    everything = placement.with_figures(manuscript)
    assert everything == [0, 1]
    assert placement.look_on_the_book(manuscript, everything, pages_kept=False)
    assert not placement.look_on_the_book(manuscript, everything, pages_kept=True)
    assert not placement.look_on_the_book(manuscript, [], pages_kept=False)
    # One article alone is looked at by its trial, even the first one, most of this book.
    assert not placement.look_on_the_book(manuscript, [0], pages_kept=False)
    longer = max(everything, key=lambda index: len(manuscript.articles[index].blocks))
    assert placement.look_on_the_book(manuscript, [longer], pages_kept=True) is (
        2 * len(manuscript.articles[longer].blocks) < sum(len(a.blocks) for a in manuscript.articles))
