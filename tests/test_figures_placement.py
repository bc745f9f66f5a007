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
