"""WeasyPrint's laid-out box tree and colour profiles, read: the one module that names their internals.

WeasyPrint 70 has no public API for what a layout made: a `Document`'s pages keep their box
tree in `Page._page_box`, the box classes live in `weasyprint.formatting_structure.boxes`, a
`ColorProfile` keeps its Pillow profile in `_profile`. Every other module reads a layout through
the functions here (a test parses them all and fails on a private WeasyPrint name), so a new
WeasyPrint is adapted in this file and in `weasy_patch.py` (the only module that patches).

A box itself is WeasyPrint's object (`Box`, typed Any: this is the boundary); its public
attributes (`children`, `element`, `element_tag`, `position_x`, `width`, `text`, `style`…) and
methods (`descendants()`, `margin_width()`, `content_box_x()`, `hit_area()`) are read directly.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any, BinaryIO

Box = Any  # a WeasyPrint box (weasyprint.formatting_structure.boxes.Box)
Document = Any  # a laid-out weasyprint.Document
ColorProfile = Any  # a weasyprint.css.ColorProfile


@functools.cache
def _classes() -> Any:  # the untyped module of WeasyPrint's box classes
    # Imported on first use: a build with nothing to do never imports WeasyPrint.
    from weasyprint.formatting_structure import boxes

    return boxes


def page_box(page: Any) -> Box:
    """The root box of one laid-out page (a `weasyprint.Page`)."""
    return page._page_box  # noqa: SLF001 - WeasyPrint offers no public box tree


def page_boxes(document: Document) -> list[Box]:
    """The root box of each page of a laid-out Document, in order."""
    return [page._page_box for page in document.pages]  # noqa: SLF001


def descendants(box: Box) -> Iterator[Box]:
    """`box` and every box below it, in tree order."""
    return box.descendants()  # type: ignore[no-any-return]


def page_descendants(document: Document) -> Iterator[tuple[int, Box]]:
    """(page index, box) for every box of every page, in order."""
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():  # noqa: SLF001
            yield index, box


def line_leaves(box: Box, ancestors: tuple[Box, ...] = ()) -> Iterator[tuple[Box, tuple[Box, ...]]]:
    """The leaf boxes of a line (text, images, inline blocks) in order, each with its inline
    ancestors; boxes out of the normal flow aside."""
    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, _classes().InlineBox):
            yield from line_leaves(child, (*ancestors, child))
        else:
            yield child, ancestors


def is_text(box: Box) -> bool:
    return isinstance(box, _classes().TextBox)


def is_line(box: Box) -> bool:
    return isinstance(box, _classes().LineBox)


def is_inline(box: Box) -> bool:
    return isinstance(box, _classes().InlineBox)


def is_block(box: Box) -> bool:
    return isinstance(box, _classes().BlockBox)


def is_block_container(box: Box) -> bool:
    return isinstance(box, _classes().BlockContainerBox)


def is_parent(box: Box) -> bool:
    return isinstance(box, _classes().ParentBox)


def is_margin(box: Box) -> bool:
    """A page-margin box (running heads, folios)."""
    return isinstance(box, _classes().MarginBox)


def is_table(box: Box) -> bool:
    return isinstance(box, _classes().TableBox)


def is_table_row(box: Box) -> bool:
    return isinstance(box, _classes().TableRowBox)


def is_replaced(box: Box) -> bool:
    """An image (or other replaced element) box."""
    return isinstance(box, _classes().ReplacedBox)


def is_footnote_area(box: Box) -> bool:
    return isinstance(box, _classes().FootnoteAreaBox)


def load_color_profile(handle: BinaryIO, name: str) -> tuple[ColorProfile, str, str]:
    """A CMYK output profile for WeasyPrint, with its device class and colour space (ICC header).

    Raises OSError or PIL.ImageCms.PyCMSError when the file is not a readable profile.
    """
    from weasyprint.css import ColorProfile as WeasyColorProfile

    profile = WeasyColorProfile(handle, name, "relative-colorimetric", ("c", "m", "y", "k"))
    info = profile._profile.profile  # noqa: SLF001 - the Pillow profile WeasyPrint read
    return profile, str(info.device_class), str(info.xcolor_space).strip()


def style_of(box: Box, name: str) -> Any:
    """A computed style property of a box (`break_before`, …)."""
    return box.style[name]


def first_boxes(document: Document) -> dict[str, tuple[int, Box]]:
    """id → (page index, box) of the first box each element with an id made."""
    found: dict[str, tuple[int, Box]] = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():  # noqa: SLF001
            element = getattr(box, "element", None)
            name = element.get("id") if element is not None else None
            if name and name not in found:
                found[name] = (index, box)
    return found


def anchor_pages(document: Document) -> dict[str, int]:
    """anchor → index of the page it is on (the first, when defined twice)."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, index)
    return found


def carried_notes(page: Any) -> bool:
    """Whether a page's footnote area holds a note called on an earlier page (carried over)."""
    called: set[int] = set()
    noted: set[int] = set()
    for box in page._page_box.descendants():  # noqa: SLF001
        footnote = getattr(box, "footnote", None)
        if footnote is not None:
            called.add(id(footnote.element))
        if isinstance(box, _classes().FootnoteAreaBox):
            noted.update(id(child.element) for child in box.children if child.element is not None)
    return not noted <= called


@contextlib.contextmanager
def drawn_again(document: Document) -> Iterator[None]:
    """Write `document` leaving its pages as they were, so they can be written again.

    WeasyPrint 70 adds the crop marks to a page's own background layers when it draws the page:
    a page written twice (kept by pdf.segments for the next build) would get them twice.
    """
    saved = [(background, list(background.layers)) for page in document.pages
             if (background := page._page_box.background) is not None]  # noqa: SLF001
    try:
        yield
    finally:
        for background, layers in saved:
            background.layers[:] = layers
