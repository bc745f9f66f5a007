"""Finishing a PDF before it is written: dates, output intent, exact bleed, press colours, fixed IDs.

WeasyPrint calls the finisher with its in-memory `pydyf.PDF` after generating every object and
before serialising; each step here is one small, idempotent change to those objects.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SourceLocation
from ..text.chars import strip_controls  # the typesetter's zero-width break controls
from . import boxes
from .options import PdfOptions

# pydyf writes an RGB colour as one content-stream item "r g b rg" (fill) or "… RG" (stroke).
_RGB_OP = re.compile(rb"^(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (rg|RG)$")
# WeasyPrint's PDF/X-4 XMP carries a random uuid4 document ID.
_XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def set_dates(document: Any, iso: str) -> None:
    """Creation and modification dates from the build epoch (PDF/X-4 reads the clock otherwise)."""
    document.metadata.created = iso
    document.metadata.modified = iso


def set_output_intent(document: Any, profile: Path) -> None:
    """Register the press's CMYK profile as WeasyPrint's `device-cmyk` output intent."""
    from PIL import ImageCms

    try:
        with profile.open("rb") as handle:
            color_profile, device_class, space = boxes.load_color_profile(handle, profile.name)
    except (OSError, ImageCms.PyCMSError) as exc:
        raise ConfigError(f"cannot read the output profile: {exc}", SourceLocation(profile),
                          "set [print] output_profile to a CMYK .icc file from the printer") from None
    # PDF/X wants the profile of an output device (class 'prtr') in the press's colour space.
    if space != "CMYK" or device_class != "prtr":
        raise ConfigError(
            f"the output profile is a {device_class} {space} profile, "
            "not a CMYK printer profile", SourceLocation(profile),
            "ask the printer for the ICC profile of their press and paper")
    document.color_profiles["device-cmyk"] = color_profile


def exact_bleed_box(pdf: Any, bleed_pt: float) -> None:
    """Set every page's BleedBox `bleed_pt` outside its TrimBox, within the MediaBox.

    WeasyPrint puts the BleedBox min(10 pt, CSS bleed) outside the trim; our CSS bleed also
    holds the marks, so the press's 3 mm must be written here.
    """
    import pydyf

    for page in _pages(pdf):
        left, top, right, bottom = (float(v) for v in page["TrimBox"])
        m_left, m_top, m_right, m_bottom = (float(v) for v in page["MediaBox"])
        page["BleedBox"] = pydyf.Array([
            max(m_left, left - bleed_pt), max(m_top, top - bleed_pt),
            min(m_right, right + bleed_pt), min(m_bottom, bottom + bleed_pt)])


def neutral_rgb_to_gray(pdf: Any) -> int:
    """Rewrite neutral RGB colours (r = g = b) as DeviceGray; return how many were rewritten.

    Under a CMYK output intent DeviceGray prints on the black plate alone, so black text and
    grey rules stay K-only instead of becoming a four-colour mix that misregisters.
    """
    import pydyf

    rewritten = 0
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream):
            continue
        for index, item in enumerate(obj.stream):
            match = _RGB_OP.match(item) if isinstance(item, bytes) else None
            if match and match[1] == match[2] == match[3]:
                operator = b"g" if match[4] == b"rg" else b"G"
                obj.stream[index] = match[1] + b" " + operator
                rewritten += 1
    return rewritten


def rgb_to_cmyk(pdf: Any) -> int:
    """Rewrite every RGB colour left after `neutral_rgb_to_gray` as DeviceCMYK; return how many.

    A PDF/X-4 file for one press holds no RGB: a link's blue, or a colour the book's CSS sets,
    becomes the naive CMYK equivalent (K from the darkest channel), which the output intent's
    profile then renders; a printer who wants a managed conversion sends the colours in CMYK.
    """
    import pydyf

    rewritten = 0
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream):
            continue
        for index, item in enumerate(obj.stream):
            match = _RGB_OP.match(item) if isinstance(item, bytes) else None
            if match:
                r, g, b = (min(1.0, max(0.0, float(v))) for v in match.group(1, 2, 3))
                k = 1 - max(r, g, b)
                c, m, y = ((1 - v - k) / (1 - k) if k < 1 else 0.0 for v in (r, g, b))
                operator = b"k" if match[4] == b"rg" else b"K"
                obj.stream[index] = " ".join(f"{v:.4g}" for v in (c, m, y, k)).encode() + b" " + operator
                rewritten += 1
    return rewritten


def fixed_document_id(pdf: Any, identifier: str) -> None:
    """Replace the random XMP DocumentID with one derived from the book's identifier."""
    import pydyf

    stable = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, identifier)}".encode()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            obj.stream = [_XMP_DOCUMENT_ID.sub(stable, item) for item in obj.stream]


def link_texts(document: Any) -> dict[str, str]:
    """Anchor name -> the text of the first internal link to it, from the laid-out boxes."""
    texts: dict[str, str] = {}
    for _, box in boxes.page_descendants(document):
        element = getattr(box, "element", None)
        href = element.get("href", "") if element is not None and box.element_tag == "a" else ""
        if element is not None and href.startswith("#") and href[1:] not in texts:
            texts[href[1:]] = strip_controls("".join(element.itertext())).strip()
        elif element is not None and box.element_tag == "fn::footnote-call":  # a call links to its note
            texts.setdefault(element.get("id", ""), "脚注" + strip_controls(element.get("data-mark", "")))
    return texts


def describe_links(pdf: Any, texts: dict[str, str]) -> None:
    """Give each internal link the words it shows as its /Contents (PDF/UA-1, ISO 14289-1 7.18.5).

    WeasyPrint writes the bare anchor name ("shanhai-s2"), which a screen reader would spell out.
    """
    import pydyf

    for obj in pdf.objects:
        if hasattr(obj, "get") and obj.get("Subtype") == "/Link" and "Dest" in obj:
            text = texts.get(_string_value(obj["Dest"]))
            if text:
                obj["Contents"] = pydyf.String(text)


def furniture_as_artifacts(pdf: Any) -> int:
    """Mark running heads and folios as /Artifact, as PDF/UA-1 asks of page furniture (7.8).

    WeasyPrint tags margin-box content with MCIDs whose structure elements it leaves out of
    the tree (an Artifact structure element needs PDF 2.0), so to a reader they are content
    that belongs nowhere. Rewrite those sequences as artifacts and drop them from the ParentTree;
    return how many were rewritten.
    """
    import pydyf

    by_reference = {obj.reference: obj for obj in pdf.objects if isinstance(obj, pydyf.Object)
                    and getattr(obj, "number", None) is not None}
    root = by_reference.get(pdf.catalog.get("StructTreeRoot"))
    if root is None:
        return 0
    reachable = _reachable_elements(root, by_reference)
    nums = by_reference[root["ParentTree"]]["Nums"]
    rewritten = 0
    for page_number, page in enumerate(_pages(pdf)):
        mcids = nums[2 * page_number + 1]
        orphans = {mcid for mcid, ref in enumerate(mcids) if ref not in reachable}
        if not orphans:
            continue
        stream = by_reference[page["Contents"]]
        items = stream.stream
        for index in range(len(items) - 2):
            props = items[index + 1]
            if (items[index + 2] == b"BDC" and isinstance(props, pydyf.Dictionary)
                    and props.get("MCID") in orphans):
                items[index], items[index + 1], items[index + 2] = "/Artifact", b"", b"BMC"
                mcids[props["MCID"]] = "null"
                rewritten += 1
        stream.stream = [item for item in items if item != b""]
    return rewritten


def _reachable_elements(root: Any, by_reference: dict[Any, Any]) -> set[Any]:
    """References of every structure element reachable from the StructTreeRoot."""
    seen: set[Any] = set()
    stack = list(root["K"])
    while stack:
        ref = stack.pop()
        element = by_reference.get(ref)
        if element is None or ref in seen:
            continue
        seen.add(ref)
        kids = element.get("K", [])
        stack.extend(kid for kid in kids if isinstance(kid, bytes))
    return seen


def make_finisher(options: PdfOptions) -> Callable[[Any, Any], None]:
    """The steps this edition needs, as one WeasyPrint finisher."""

    if options.variant and options.variant.startswith("pdf/ua"):
        from .weasy_patch import record_mcids

        record_mcids()  # before drawing: the leaders' marked content is found by box

    def finish(document: Any, pdf: Any) -> None:
        if options.bleed_pt is not None:
            exact_bleed_box(pdf, options.bleed_pt)
        if options.output_profile is not None:
            neutral_rgb_to_gray(pdf)
            rgb_to_cmyk(pdf)
        if options.identifier:
            fixed_document_id(pdf, options.identifier)
        if options.variant and options.variant.startswith("pdf/ua"):
            describe_links(pdf, link_texts(document))
            furniture_as_artifacts(pdf)
            from .structure import restructure

            restructure(document, pdf)

    return finish


def _pages(pdf: Any) -> list[Any]:
    return [obj for obj in pdf.objects if hasattr(obj, "get") and obj.get("Type") == "/Page"]


def _string_value(value: Any) -> str:
    """The Python text of a pydyf.String (or a plain str)."""
    return getattr(value, "string", value) if not isinstance(value, str) else value
