"""The press edition holds no RGB: every colour is DeviceGray or DeviceCMYK (or the CMYK output intent).

Walks every page's content stream and, recursively, the form XObjects, patterns and annotation
appearances it uses, and their resources: colour operators, colour spaces, images, shadings and
annotation colours. An RGB colour in a PDF/X-4 file is converted by the press's RIP to a
four-colour mix: blue links, or black text that misregisters on four plates.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import SourceLocation
from .findings import Finding

_RGB_NAMES = frozenset({"/DeviceRGB", "/CalRGB", "/RGB"})


def _space_is_rgb(space) -> bool:
    """A colour space in RGB: DeviceRGB, CalRGB, ICCBased with 3 components, or an
    Indexed/Separation/DeviceN/Pattern whose base or alternate is."""
    import pikepdf

    if isinstance(space, pikepdf.Name):
        return str(space) in _RGB_NAMES
    if isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family in _RGB_NAMES:
            return True
        if family == "/ICCBased":
            stream = space[1]
            alternate = stream.get("/Alternate")
            return int(stream.get("/N", 0)) == 3 or (alternate is not None and _space_is_rgb(alternate))
        if family == "/Indexed":
            return _space_is_rgb(space[1])
        if family in ("/Separation", "/DeviceN"):
            return _space_is_rgb(space[2])
        if family == "/Pattern" and len(space) > 1:
            return _space_is_rgb(space[1])
    return False


def rgb_uses(path: Path) -> list[str]:
    """Every place RGB colour is used, as 'page N: what'."""
    import pikepdf

    found: list[str] = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            seen: set = set()
            for what in _stream_rgb(page.obj, page.obj.get("/Resources"), seen):
                found.append(f"page {number}: {what}")
            for annot in page.obj.get("/Annots", []):
                color = annot.get("/C")
                if color is not None and len(color) == 3:
                    found.append(f"page {number}: {annot.get('/Subtype')} annotation colour /C (RGB)")
                appearance = annot.get("/AP")
                if appearance is not None:
                    for key in ("/N", "/R", "/D"):
                        stream = appearance.get(key)
                        if isinstance(stream, pikepdf.Stream):
                            found += [f"page {number}: annotation appearance: {w}"
                                      for w in _stream_rgb(stream, stream.get("/Resources"), seen)]
        for intent in pdf.Root.get("/OutputIntents", []):
            profile = intent.get("/DestOutputProfile")
            if profile is not None and int(profile.get("/N", 4)) == 3:
                found.append("document: an RGB output intent")
    return found


def _stream_rgb(owner, resources, seen: set) -> Iterator[str]:
    """RGB in one content stream (a page or a form) and the resources it draws with."""
    import pikepdf

    key = owner.objgen if owner.objgen != (0, 0) else id(owner)
    if key in seen:
        return
    seen.add(key)
    resources = resources if resources is not None else pikepdf.Dictionary()
    spaces = resources.get("/ColorSpace", pikepdf.Dictionary())
    try:
        instructions = pikepdf.parse_content_stream(owner)
    except pikepdf.PdfError as exc:
        yield f"unreadable content stream ({exc})"
        return
    for instruction in instructions:
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        if op in ("rg", "RG"):
            yield f"{op} operator (DeviceRGB colour {' '.join(str(o) for o in operands)})"
        elif op in ("cs", "CS"):
            name = operands[0]
            space = spaces.get(str(name), name) if str(name) not in _RGB_NAMES else name
            if _space_is_rgb(space):
                yield f"{op} {name}: an RGB colour space"
        elif op == "BI":
            pass  # inline images: their /CS is checked with the image dictionary below
        elif op == "INLINE IMAGE":
            image = operands[0]
            if _space_is_rgb(image.obj.get("/ColorSpace", image.obj.get("/CS"))):
                yield "an RGB inline image"
    for name, xobject in resources.get("/XObject", {}).items():
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            if _space_is_rgb(xobject.get("/ColorSpace")):
                yield f"image {name} in RGB"
        elif subtype == "/Form":
            yield from (f"form {name}: {w}" for w in _stream_rgb(xobject, xobject.get("/Resources"), seen))
    for name, pattern in resources.get("/Pattern", {}).items():
        if isinstance(pattern, pikepdf.Stream):
            yield from (f"pattern {name}: {w}" for w in _stream_rgb(pattern, pattern.get("/Resources"), seen))
        elif pattern.get("/Shading") is not None and _space_is_rgb(pattern.Shading.get("/ColorSpace")):
            yield f"pattern {name}: an RGB shading"
    for name, shading in resources.get("/Shading", {}).items():
        if _space_is_rgb(shading.get("/ColorSpace")):
            yield f"shading {name} in RGB"
    for name, state in resources.get("/ExtGState", {}).items():
        mask = state.get("/SMask")
        if isinstance(mask, pikepdf.Dictionary) and mask.get("/G") is not None:
            group: Any = mask.G.get("/Group", {})
            if _space_is_rgb(group.get("/CS")):
                yield f"soft mask {name} blends in RGB"
    group = owner.get("/Group")
    if group is not None and _space_is_rgb(group.get("/CS")):
        yield "a transparency group in RGB"


def check_press_colour(config, path: Path) -> list[Finding]:
    """The press edition's colour, as a check: one finding per RGB use."""
    import pikepdf

    try:
        uses = rgb_uses(path)
    except pikepdf.PdfError as exc:
        return [Finding("press-colour", "error", f"cannot read the PDF: {exc}", SourceLocation(path))]
    return [Finding("press-colour", "error", f"RGB colour in the press edition: {what}", SourceLocation(path))
            for what in uses]
