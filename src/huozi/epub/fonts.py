"""Embedded fonts: the Noto CJK faces the EPUB's CSS names, subset to the characters they draw.

Readers without CJK fonts then show the book as designed; a subset keeps the file small.
HarfBuzz writes the same bytes for the same input, so the EPUB stays reproducible.
"""
from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from .. import contract
from ..cache import Store
from ..errors import FontError
from ..fonts import MONO, QUOTE, SANS, SERIF, FontFile, find_any, find_font
from .writer import EpubAsset

XHTML = "http://www.w3.org/1999/xhtml"
# Which text each face draws, as in styles/epub/epub.css (its classes are names of the template
# contract, checked in a project's own epub.css when it loads: huozi/contract.py). Serif is the
# fallback of every rule there, so it gets every character: a missed sans glyph is never tofu.
SANS_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "dt", "caption", "th"})
SANS_CLASSES = contract.EPUB_SANS_CLASSES
# Code in the monospace, quotations in the quote face ([fonts] mono and quote); strong text in a
# serif paragraph in the serif's bold.
MONO_TAGS = frozenset({"code", "pre"})
QUOTE_TAGS = frozenset({"blockquote"})
SERIF_BOLD_TAGS = frozenset({"strong", "b"})
BOLD_TAGS = frozenset({"h1", "h2", "strong", "b", "th"})
BOLD_CLASSES = contract.EPUB_BOLD_CLASSES
# Vertical-writing features pull in glyph variants a horizontal book never shows.
VERTICAL = frozenset({"vert", "vrt2", "vkrn", "vpal", "vhal"})
# Figures of one width for a table's number columns (epub.css: tnum, and the CJK faces' half-width
# forms): HarfBuzz's default subset drops both features.
FIGURES = ("tnum", "hwid")
CACHE_VERSION = "5"  # bump when subset_face's options change


@dataclass(frozen=True)
class Face:
    """One embedded face: the installed font it comes from and the CSS that names it."""

    family: str
    style: str
    weight: str
    file_name: str
    role_any_style: bool = False  # whichever face the family has (code and quotations)


FACES = (
    Face(SERIF, "Regular", "normal", "fonts/NotoSerifCJKsc-Regular.otf"),
    Face(SERIF, "Bold", "bold", "fonts/NotoSerifCJKsc-Bold.otf"),
    Face(SANS, "Regular", "normal", "fonts/NotoSansCJKsc-Regular.otf"),
    Face(SANS, "Bold", "bold", "fonts/NotoSansCJKsc-Bold.otf"),
    Face(MONO, "Regular", "normal", "fonts/NotoSansMonoCJKsc-Regular.otf", True),
    Face(QUOTE, "Regular", "normal", "fonts/ARPLUKaiCN-Regular.otf", True),
)


def _classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def _named(chain: Sequence[etree._Element], prop: str) -> str:
    """The innermost value of `prop` an element sets itself (SVG figures do, in attributes or style)."""
    for element in reversed(chain):
        value = element.get(prop) or ""
        style = element.get("style") or ""
        if prop in style:
            value = style.split(prop, 1)[1].lstrip(" :").split(";", 1)[0]
        if value:
            return value
    return ""


def _face_of(chain: Sequence[etree._Element]) -> tuple[str, str]:
    """(family, style) of text whose element and ancestors are `chain` (innermost last)."""
    tags = {etree.QName(e).localname for e in chain}
    classes = set().union(*(_classes(e) for e in chain))
    named = _named(chain, "font-family")
    if not named and tags & MONO_TAGS:
        return MONO, "Regular"
    if not named and tags & QUOTE_TAGS and not tags & SANS_TAGS and not classes & SANS_CLASSES:
        return QUOTE, "Regular"
    sans = "Sans" in named if named else bool(tags & SANS_TAGS or classes & SANS_CLASSES)
    weight = _named(chain, "font-weight").strip()
    bold = weight in ("bold", "bolder", "600", "700", "800", "900") if weight else bool(
        tags & BOLD_TAGS or classes & BOLD_CLASSES)
    if not sans:
        return SERIF, "Bold" if (weight and bold) or (not weight and tags & SERIF_BOLD_TAGS) else "Regular"
    return SANS, "Bold" if bold else "Regular"


# The mark `text-emphasis: filled dot` draws (CSS Text Decoration 3 §3.1: U+2022), in the
# emphasised text's own face: the 着重号 of an `em.ez`.
EMPHASIS_MARK = "\u2022"


def _collect(element: etree._Element, chain: list[etree._Element], out: dict[tuple[str, str], set[str]]) -> None:
    chain.append(element)
    face = _face_of(chain)
    drawn = [element.text, *(c.tail for c in element)]
    if "ez" in _classes(element):
        drawn.append(EMPHASIS_MARK)
    for text in drawn:
        out.setdefault(face, set()).update(text or "")
        out[(SERIF, "Regular")].update(text or "")  # the fallback draws anything
    for child in element:
        if isinstance(child.tag, str):
            _collect(child, chain, out)
    chain.pop()


def characters_by_face(documents: Iterable[str]) -> dict[tuple[str, str], str]:
    """For each (family, style), the sorted characters the documents set in it."""
    out: dict[tuple[str, str], set[str]] = {(SERIF, "Regular"): set()}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for content in documents:
        root = etree.fromstring(content.encode("utf-8"), parser)
        _collect(root, [], out)
    return {face: "".join(sorted(_rendered(chars))) for face, chars in out.items()}


# White space a browser collapses to U+0020 (CSS Text 3 section 4.1.1); other spaces, such as
# U+3000 between the creators on the title page or U+00A0, are drawn as themselves.
_COLLAPSED = frozenset("\t\n\r\f")


def _rendered(chars: set[str]) -> set[str]:
    """The characters a reader draws for text holding `chars`: collapsible white space becomes
    U+0020, which every face gets, since a space the subset lacks falls back to a system font."""
    drawn = {" " if c in _COLLAPSED else c for c in chars}
    drawn.add(" ")
    return {c for c in drawn if unicodedata.category(c) != "Cc"}


def face_index(font: FontFile) -> int:
    """Index of `font.family` inside a .ttc collection (0 for a single font file)."""
    from fontTools.ttLib import TTCollection

    if font.path.suffix.lower() != ".ttc":
        return 0
    for index, face in enumerate(TTCollection(font.path, lazy=True).fonts):
        if face["name"].getDebugName(1) == font.family:
            return index
    raise LookupError(f"{font.family} is not in {font.path}")


def open_face(font: FontFile) -> Any:  # a fontTools.ttLib.TTFont
    """The face named `font.family` from its file, picking it out of a .ttc collection."""
    from fontTools.ttLib import TTFont

    return TTFont(font.path, fontNumber=face_index(font), lazy=True)


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


@functools.lru_cache(maxsize=16)
def subset_face(font: FontFile, text: str) -> bytes:
    """An OpenType (CFF) font holding only the glyphs `text` needs, hinting and vertical forms dropped.

    HarfBuzz's subsetter (the one WeasyPrint uses for the PDFs) takes about 0.05 s on a CJK face,
    where fontTools takes seconds. It writes the same bytes for the same input and keeps the
    font's own head.modified, so the EPUB stays reproducible. Memoised per process all the same.
    """
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(font.path)), face_index(font))
    request = hb.SubsetInput()
    for char in text:
        request.unicode_set.add(ord(char))
    request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
    for feature in VERTICAL:
        request.layout_feature_tag_set.discard(_tag(feature))
    for feature in FIGURES:
        request.layout_feature_tag_set.add(_tag(feature))
    subset = hb.subset(face, request)
    if subset is None:
        raise FontError(f"HarfBuzz could not subset {font.family} ({font.path})",
                        hint="reinstall fonts-noto-cjk, or set [epub] embed_fonts = false")
    data: bytes = subset.blob.data
    return data


def _cache_key(font: FontFile, text: str) -> str:
    """Everything the subset's bytes depend on: the font file, the text, fontTools and our options."""
    from ..cache import tool_versions

    stat = font.path.stat()
    parts = (CACHE_VERSION, tool_versions()["uharfbuzz"], font.family, font.style, str(font.path),
             str(stat.st_size), str(stat.st_mtime_ns), text)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _parses(data: bytes) -> bool:
    """A cached subset that does not parse (an interrupted write) is a miss."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        TTFont(io.BytesIO(data))["maxp"]
    except (TTLibError, KeyError, AssertionError, ValueError):
        return False
    return True


def cached_subset(font: FontFile, text: str, cache_dir: Path | None) -> bytes:
    """subset_face, kept in the project's cache under a content key: a rebuild of the same text skips seconds."""
    if cache_dir is None:
        return subset_face(font, text)
    store = Store(cache_dir, ".otf", _parses)
    key = _cache_key(font, text)
    data = store.get(key)
    if data is None:
        data = subset_face(font, text)
        store.put(key, data)
    return data


def font_face_css(faces: Sequence[Face], css_dir: str = "style") -> str:
    """@font-face rules naming the embedded files, relative to the stylesheet in `css_dir`."""
    rules = []
    for face in faces:
        url = "../" * (css_dir.count("/") + 1) + face.file_name
        rules.append(f'@font-face {{ font-family: "{face.family}"; font-style: normal; '
                     f'font-weight: {face.weight}; src: url("{url}") format("opentype"); }}')
    return "\n".join(rules) + "\n"


def _configured(face: Face, families: Mapping[str, str]) -> Face:
    """`face` with the family `[fonts]` sets for its role (its default family names the role)."""
    family = families.get(face.family, face.family)
    if family == face.family:
        return face
    stem = re.sub(r"[^A-Za-z0-9]+", "", family) or hashlib.sha256(family.encode()).hexdigest()[:12]
    return Face(family, face.style, face.weight, f"fonts/{stem}-{face.style}.otf", face.role_any_style)


def subset_faces(documents: Iterable[str], cache_dir: Path | None = None,
                 families: Mapping[str, str] | None = None) -> list[tuple[Face, bytes]]:
    """Each face the documents' text is set in, with its subset (OpenType) for that text.

    `families` maps the default body and heading families to the book's own (`[fonts]`); the
    subsets are cached in `cache_dir`. The html edition's web fonts are these too.
    """
    chars = characters_by_face(documents)
    # Two roles set in one family share one file holding both roles' characters.
    by_face: dict[Face, set[str]] = {}
    for default in FACES:
        found = chars.get((default.family, default.style), "")
        if found:
            face = _configured(default, families or {})
            same = next((f for f in by_face if (f.family, f.style) == (face.family, face.style)), face)
            by_face.setdefault(same, set()).update(found)
    subsets = []
    for face, drawn in by_face.items():
        # A Kai face may have no "Regular" (AR PL UKai's only style is "Book").
        font = find_any(face.family) if face.role_any_style else find_font(face.family, face.style)
        subsets.append((face, cached_subset(font, "".join(sorted(drawn)), cache_dir)))
    return subsets


def embed_fonts(documents: Iterable[str], cache_dir: Path | None = None,
                families: Mapping[str, str] | None = None) -> tuple[tuple[EpubAsset, ...], str]:
    """Subset fonts for the documents' text, and the CSS that loads them; subsets cached in `cache_dir`.

    `families` maps the default body and heading families to the book's own (`[fonts]`).
    """
    assets, used = [], []
    for face, data in subset_faces(documents, cache_dir, families):
        uid = "font-" + face.file_name.rsplit("/", 1)[-1].removesuffix(".otf").lower()
        assets.append(EpubAsset(face.file_name, "font/otf", data, uid))
        used.append(face)
    return tuple(assets), font_face_css(used)
