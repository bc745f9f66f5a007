"""Print placement: a figure that falls mid-page goes to its page's top or bottom as the pages are
made (figures/placement.py, pdf/weasy_patch.page_floats), in the one layout of the book."""
from __future__ import annotations

from huozi.editions import EDITIONS
from huozi.figures import placement
from huozi.figures.render import render_figures
from huozi.pdf import boxes, kept, layout, segments, writer


def _pages(document, floats) -> list[list]:
    return [list(dict.fromkeys(box.element for box in boxes.page_box(page).descendants() if box.element in floats.slots))
            for page in document.pages]


def _figure_places(document, floats) -> dict[str, tuple[int, int]]:
    """Each figure's page and its place among the page's blocks."""
    return {element.get("id"): (number, blocks.index(element))
            for number, blocks in enumerate(_pages(document, floats)) for element in blocks if element in floats.figures}


def test_print_is_laid_out_once_with_every_figure_at_a_page_edge(config, manuscript, monkeypatch):
    """No trial layouts: one layout of the book, its pages remade where a figure moved. Where
    nothing floats (the same layout without page floats), figures sit mid-page in this book."""
    edition = EDITIONS["print"]
    figures = render_figures(config.root, config.figures_dir, manuscript)
    for memo in kept.memos().values():
        memo.clear()
    monkeypatch.setattr(kept, "_load", lambda *args: {})
    segments.forget()
    documents: list = []
    real = writer.render_document
    monkeypatch.setattr(writer, "render_document", lambda *a, **k: documents.append(real(*a, **k)) or documents[-1])
    laid = layout.lay_out(config, manuscript, edition, figures)
    assert len(documents) == 1
    floats = placement.page_floats(_root(laid), manuscript)
    assert floats is not None and len(floats.figures) == len(figures.placed)
    pages = _pages(laid.document, floats)
    for number, blocks in enumerate(pages):
        previous = set(pages[number - 1]) if number else set()
        following = set(pages[number + 1]) if number + 1 < len(pages) else set()
        for position, element in enumerate(blocks[1:-1], 1):
            if element in floats.figures:   # mid-page only where the page edge is another section's or goes on
                section = floats.slots[element][:2]
                assert blocks[0] in previous or floats.slots[blocks[0]][:2] != section, (number, position)
                assert blocks[-1] in following or floats.slots[blocks[-1]][:2] != section, (number, position)
    # Without page floats, the same book has figures mid-page: the moves above were made.
    monkeypatch.setattr(layout, "_floats", lambda *args: layout.nullcontext())
    segments.forget()
    plain = layout.lay_out(config, manuscript, edition, figures)
    plain_floats = placement.page_floats(_root(plain), manuscript)
    assert _figure_places(plain.document, plain_floats) != _figure_places(laid.document, floats)


def _root(laid):
    """The HTML tree of a laid-out edition's first page."""
    for box in boxes.page_box(laid.document.pages[0]).descendants():
        if getattr(box.element, "tag", None) == "html":
            return box.element
    raise AssertionError("no html element")


class _Element:
    """An HTML element as the rule sees one: hashable by identity."""

    def __init__(self, name: str) -> None:
        self.name = name


def _floats() -> tuple[placement.PageFloats, dict[str, _Element]]:
    """Two sections: blocks a1 f1 a2 f2 a3 in section (0, 0), b1 in (0, 1)."""
    names = ["a1", "f1", "a2", "f2", "a3", "b1"]
    elements = {name: _Element(name) for name in names}
    slots = {elements[n]: (0, 0 if n != "b1" else 1, i) for i, n in enumerate(names)}
    return placement.PageFloats(slots, frozenset({elements["f1"], elements["f2"]}), frozenset()), elements


def test_a_mid_page_figure_goes_before_the_first_block_of_its_section_or_after_the_last():
    floats, e = _floats()
    page = [e["a1"], e["f1"], e["a2"], e["f2"], e["a3"]]
    moves = floats.moves(page, first_continued=False, last_continued=False)
    assert [(m.figure.name, m.target.name, m.before) for m in moves] == [("f1", "a1", True), ("f2", "a1", True)]
    order = floats.reordered(page, lambda child: child, moves)
    assert [x.name for x in order] == ["f1", "f2", "a1", "a2", "a3"]        # the figures keep their order
    # The first block goes on from the page before: to the bottom, in order after the last block.
    moves = floats.moves(page, first_continued=True, last_continued=False)
    assert [(m.target.name, m.before) for m in moves] == [("a3", False), ("a3", False)]
    assert [x.name for x in floats.reordered(page, lambda child: child, moves)] == ["a1", "a2", "a3", "f1", "f2"]
    # Both edges go on to other pages, or belong to another section: the figure stays.
    assert floats.moves(page, first_continued=True, last_continued=True) == []
    assert floats.moves([e["a1"], e["f1"], e["b1"]], first_continued=True, last_continued=False) == []
    assert floats.moves([e["f1"], e["a2"], e["a3"]], first_continued=False, last_continued=False) == []
    # No move, the page beginning with a block of the figure's section continued: set above it.
    assert floats.top_float(page, first_continued=True) is e["f1"]
    assert floats.top_float(page, first_continued=False) is None
    assert floats.top_float([e["b1"], e["f1"], e["a2"]], first_continued=True) is None   # another section's
    # A figure that did not fit in the rest of its page: after the next block, if that is text of its section.
    assert [(m.figure.name, m.target.name, m.before) for m in floats.deferred(e["f1"], [e["a2"], e["f2"]])] == [
        ("f1", "a2", False)]
    assert floats.deferred(e["f1"], [e["f2"], e["a3"]]) == []      # the next block is a figure
    assert floats.deferred(e["f2"], [e["b1"]]) == []               # the next block is another section's
    assert floats.deferred(e["a1"], [e["f1"]]) == []               # not a figure


def test_page_floats_leave_a_document_that_does_not_match_alone(manuscript):
    """A document whose HTML does not match the manuscript (or has no data figure) floats nothing."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring('<html><body><article class="article"><section><p>字</p></section></article></body></html>')
    assert placement.page_floats(root, manuscript) is None


def test_a_page_remade_for_a_figure_keeps_its_footnotes_once(project_copy, tmp_path, monkeypatch):
    """A page laid out again for its figure takes its footnotes from where the first layout of it
    found them (weasy_patch._PageStart): a note called on it is on it once, nowhere else."""
    import pdfplumber

    from huozi import build

    article = project_copy / "manuscript" / "01-shanhai.md"
    text = article.read_text(encoding="utf-8")
    call = "所谓“协作”，自然不仅是农产品东行的单向输送。"
    assert call in text
    text = text.replace(call, call.replace("。", "。[^beer]"), 1) + "\n[^beer]: 协作注：农产品东行之外的产业合作。\n"
    article.write_text(text, encoding="utf-8")
    moved: list[str] = []
    real = placement.PageFloats.moves

    def recorded(self, blocks, first_continued, last_continued):
        moves = real(self, blocks, first_continued, last_continued)
        moved.extend(move.figure.get("id") for move in moves)
        return moves

    monkeypatch.setattr(placement.PageFloats, "moves", recorded)
    result = build(project_copy, tmp_path / "out", editions=["print"], jobs=1, environ={"SOURCE_DATE_EPOCH": "1590710400"})
    assert "fig-purchases-2019" in moved
    with pdfplumber.open(result.outputs[0].path) as pdf:
        pages = [(page.extract_text() or "").replace(" ", "").replace("\n", "") for page in pdf.pages]
    holding = [number for number, page in enumerate(pages) if "协作注：" in page]
    assert len(holding) == 1 and pages[holding[0]].count("协作注：") == 1, holding
    assert "图3" in pages[holding[0]]               # the note is on the page remade for the figure


def _place_figures_after(project, places: dict[str, str]) -> None:
    """Each figure's directive moved to just after the paragraph that ends with the given text."""
    article = project / "manuscript" / "01-shanhai.md"
    text = article.read_text(encoding="utf-8")
    for figure, after in places.items():
        directive = f"::: figure {figure}\n:::\n\n"
        assert directive in text and text.count(after) == 1, figure
        text = text.replace(directive, "", 1)
        end = text.index(after) + len(after)
        end = text.index("\n\n", end) + 2
        text = text[:end] + directive + text[end:]
    article.write_text(text, encoding="utf-8")


def test_a_figure_below_a_continued_paragraph_is_set_above_the_pages_text(project_copy, tmp_path, monkeypatch):
    """Where the page begins with a paragraph of the figure's section continued from the page
    before, no move in the box tree can bring the figure to the top (it would go before that
    paragraph, on the page before): it is taken out of the flow and set above the page's text,
    in room the page's padding leaves it (placement.PageFloats.top_float), as LaTeX and Typst set
    a top float. Here 图2 and 图3 fall on such a page, and are set one above the other."""
    import pdfplumber

    from huozi import build

    _place_figures_after(project_copy, {
        "longnan-2019": "结构性改革的新课题，大胆探索新路。",
        "purchases-2019": "多领域跨区域合作模式，实现深度互通互融。",
    })
    floated: list[str] = []
    real = placement.PageFloats.top_float

    def recorded(self, blocks, first_continued):
        figure = real(self, blocks, first_continued)
        if figure is not None:
            floated.append(figure.get("id"))
        return figure

    monkeypatch.setattr(placement.PageFloats, "top_float", recorded)
    result = build(project_copy, tmp_path / "out", editions=["print"], jobs=1, environ={"SOURCE_DATE_EPOCH": "1590710400"})
    assert floated == ["fig-longnan-2019", "fig-purchases-2019"]
    with pdfplumber.open(result.outputs[0].path) as pdf:
        page = next(p for p in pdf.pages if "图3" in (p.extract_text() or "").replace(" ", ""))
        chars = page.chars
        caption = next(c for i, c in enumerate(chars) if c["text"] == "图" and chars[i + 1]["text"] == "3")
        body = [c for c in chars if "Serif" in c["fontname"] and c["size"] > 10]
        assert body and not [c for c in body if c["bottom"] < caption["top"]]      # nothing above it
        first_line = min(body, key=lambda c: (c["top"], c["x0"]))
        assert first_line["x0"] < min(c["x0"] for c in body) + 1                   # a continued line: no indent


def test_a_figure_that_does_not_fit_lets_the_text_after_it_fill_its_page(config, manuscript, monkeypatch):
    """A figure too tall for the rest of its page went to the next page and left a hole at this
    one's foot; now the block after it (of its section, not a figure) comes first and fills the
    page (placement.PageFloats.deferred), as LaTeX lets text pass a float. In this book, 图5 (the
    timeline) is such a figure: the page before it ends where a full page does."""
    edition = EDITIONS["print"]
    figures = render_figures(config.root, config.figures_dir, manuscript)
    deferred: list[str] = []
    real = placement.PageFloats.deferred

    def recorded(self, figure, following):
        moves = real(self, figure, following)
        deferred.extend(move.figure.get("id") for move in moves)
        return moves

    monkeypatch.setattr(placement.PageFloats, "deferred", recorded)
    for memo in kept.memos().values():
        memo.clear()
    monkeypatch.setattr(kept, "_load", lambda *args: {})
    segments.forget()
    laid = layout.lay_out(config, manuscript, edition, figures)
    assert "fig-timeline" in deferred
    floats = placement.page_floats(_root(laid), manuscript)
    page_of = {element.get("id"): number for number, blocks in enumerate(_pages(laid.document, floats))
               for element in blocks if element in floats.figures}

    def foot(page) -> float:
        """Where the page's last line ends."""
        lines = [box for box in boxes.page_box(page).descendants() if type(box).__name__ == "LineBox"]
        return max(box.position_y + box.height for box in lines)

    feet = [foot(page) for page in laid.document.pages if any(type(b).__name__ == "LineBox"
                                                                for b in boxes.page_box(page).descendants())]
    before = laid.document.pages[page_of["fig-timeline"] - 1]
    assert foot(before) > max(feet) - 0.1 * boxes.page_box(before).height


def test_an_image_file_shown_as_a_figure_floats_as_a_data_figure_does(tmp_path, monkeypatch):
    """contract.FLOATING names both: an `![caption](file)` figure mid-page goes to its page's edge
    too (here the small book of footnotes and images, whose logo falls mid-page)."""
    from huozi.config import load_config
    from huozi.figures.images import load_images
    from huozi.manuscript import parse_manuscript
    from notes_images_book import write_book

    root = write_book(tmp_path / "book")
    config = load_config(root)
    manuscript = parse_manuscript(config.manuscript_dir)
    figures = render_figures(config.root, config.figures_dir, manuscript)

    moved: list[str] = []
    real = placement.PageFloats.moves
    monkeypatch.setattr(placement.PageFloats, "moves", lambda self, *args: (
        lambda moves: moved.extend(m.figure.get("id") for m in moves) or moves)(real(self, *args)))
    segments.forget()
    laid = layout.lay_out(config, manuscript, EDITIONS["print"], figures, images=load_images(config, manuscript))
    assert "fig-logo" in moved
    floats = placement.page_floats(_root(laid), manuscript)
    logo = next(element for element in floats.figures if element.get("id") == "fig-logo")
    pages = _pages(laid.document, floats)
    number, blocks = next((n, b) for n, b in enumerate(pages) if logo in b)
    assert blocks.index(logo) in (0, len(blocks) - 1), (number, [b.get("id") for b in blocks])
