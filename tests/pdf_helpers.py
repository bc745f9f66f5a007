"""Helpers for the PDF tests: page boxes, positions relative to the trim, content-stream colours."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf.generic import ContentStream

MM = 72 / 25.4

# Content-stream operators that set a colour, by colour model.
COLOR_OPS = {
    b"g": "gray", b"G": "gray", b"k": "cmyk", b"K": "cmyk", b"rg": "rgb", b"RG": "rgb",
    b"sc": "space", b"SC": "space", b"scn": "space", b"SCN": "space",
}


@dataclass(frozen=True)
class Box:
    """A PDF rectangle in points, normalised so x0 < x1 and y0 < y1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of(cls, page: pypdf.PageObject, name: str) -> Box:
        a, b, c, d = (float(v) for v in page[name])
        return cls(min(a, c), min(b, d), max(a, c), max(b, d))

    def margins_to(self, inner: Box) -> tuple[float, float, float, float]:
        """How far `inner` lies inside this box on the left, bottom, right and top."""
        return (inner.x0 - self.x0, inner.y0 - self.y0, self.x1 - inner.x1, self.y1 - inner.y1)


def from_trim(plumber_page, obj: dict, trim: Box) -> tuple[float, float, float, float]:
    """An object's (left, top, right, bottom) in pt from the trim's top-left corner.

    pdfplumber keeps PDF x but measures `top` down from the MediaBox height, whatever the
    MediaBox origin; WeasyPrint's sheet starts at minus the bleed, so convert explicitly.
    """
    y_top = plumber_page.height - obj["top"]
    y_bottom = plumber_page.height - obj["bottom"]
    return (obj["x0"] - trim.x0, trim.y1 - y_top, obj["x1"] - trim.x0, trim.y1 - y_bottom)


def color_operators(path: Path) -> dict[str, int]:
    """Count colour-setting operators by model over every page and form XObject."""
    reader = pypdf.PdfReader(path)
    counts: dict[str, int] = {}
    seen: set[int] = set()

    def scan(contents, resources) -> None:
        for _operands, operator in ContentStream(contents, reader).operations:
            kind = COLOR_OPS.get(operator)
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
        xobjects = (resources or {}).get("/XObject") or {}
        for ref in xobjects.values():
            form = ref.get_object()
            key = id(form) if not hasattr(ref, "idnum") else ref.idnum
            if form.get("/Subtype") == "/Form" and key not in seen:
                seen.add(key)
                scan(form, form.get("/Resources"))

    for page in reader.pages:
        scan(page.get_contents(), page.get("/Resources"))
    return counts
