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
