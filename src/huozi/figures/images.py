"""Image files a manuscript shows (`![图注](images/x.jpg)`): confined, decoded, measured, described.

Every image is checked before any edition is laid out, so a missing, unreadable, damaged or
hostile file is an error at the manuscript's `file:line` rather than a hole in a page:

- a file inside the project only (symlinks and `..` resolved; the PDF fetcher checks it again);
  a web address only from a host `[security] allow_hosts` lists, fetched once into the cache;
- PNG, JPEG or SVG, told by content, not by name; a raster decodes whole and is not a
  decompression bomb (`pdf.images.image_problem`);
- an SVG is parsed without a DTD, entities or the network (lxml, `resolve_entities=False`,
  `no_network=True`, `huge_tree=False`) and may hold no script, no event handler, no
  `foreignObject` and no reference to another file;
- an image without alternative text is a warning (an error with `huozi check --strict`).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..cache import cache_path
from ..config import Config
from ..errors import ManuscriptError, SourceLocation
from ..events import BuildWarning
from ..manuscript.model import Article, Image, Manuscript

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
SUFFIXES = {"png": ".png", "jpeg": ".jpg", "svg": ".svg"}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
MAX_DOWNLOAD = 50 * 1024 * 1024  # bytes: larger than any book's photograph
CACHE = "images"  # fetched web images, in the project's cache (cache.py)
# CSS px per unit, for an SVG's width and height.
_PX = {"": 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


@dataclass(frozen=True)
class ImageFile:
    """One checked image: where it is read from, what it is, how many pixels it has.

    `width` and `height` are pixels for a raster and CSS px of its intrinsic size for an SVG
    (0 when it has none: it then takes the width it is given). `name` is its file in the EPUB.
    """

    anchor: str
    path: Path
    kind: str  # "png", "jpeg" or "svg"
    width: int
    height: int
    where: SourceLocation
    name: str
    alt: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]

    @property
    def raster(self) -> bool:
        return self.kind != "svg"


@dataclass(frozen=True)
class ImageSet:
    """The book's image files by the anchor of their figure, and what they warn about."""

    files: dict[str, ImageFile]
    warnings: tuple[BuildWarning, ...] = ()

    def view(self, edition: Any) -> dict[str, dict[str, Any]]:
        """What the templates see of each image in `edition`: its URL (no paths) and its size."""
        prefix = getattr(edition, "assets", None)  # Edition.assets: beside the documents, or a file URI
        return {anchor: {"src": f"{prefix}{f.name}" if prefix is not None else f.path.as_uri(), "width": f.width,
                         "height": f.height, "media_type": f.media_type, "raster": f.raster}
                for anchor, f in self.files.items()}

    def by_uri(self) -> dict[str, ImageFile]:
        return {f.path.as_uri(): f for f in self.files.values()}


def _error(where: SourceLocation, message: str, hint: str) -> ManuscriptError:
    return ManuscriptError(message, where, hint)


def load_images(config: Config, manuscript: Manuscript) -> ImageSet:
    """Check every image the manuscript shows; an unusable one is an error at its line."""
    files: dict[str, ImageFile] = {}
    warnings: list[BuildWarning] = []
    for article, image in _images(manuscript):
        where = SourceLocation(article.path, image.line)
        path = _local(config, image, where) if image.path is not None else _download(config, image, where)
        data = _read(path, image, where)
        kind = _kind(data)
        if kind is None:
            raise _error(where, f"the image '{image.src}' is not a PNG, JPEG or SVG file",
                         "convert it to PNG (drawings, screenshots), JPEG (photographs) or SVG")
        width, height = _svg_size(data, image, where) if kind == "svg" else _raster_size(path, image, where)
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(urlparse(image.src).path).stem).strip("-")[:40] or "image"
        files[image.anchor] = ImageFile(image.anchor, path, kind, width, height, where,
                                        f"images/{digest}-{stem}{SUFFIXES[kind]}", image.alt)
        if not image.alt:
            warnings.append(BuildWarning(
                f"the image '{image.src}' has no alternative text: write what it shows between the "
                "brackets, ![图注](…), or as {fig-alt=\"…\"}", where))
    return ImageSet(files, tuple(warnings))


def _images(manuscript: Manuscript) -> Iterator[tuple[Article, Image]]:
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, Image):
                yield article, block


def _local(config: Config, image: Image, where: SourceLocation) -> Path:
    assert image.path is not None
    root = config.root.resolve()
    real = image.path.resolve()  # follows symlinks and `..`
    if not real.is_relative_to(root):
        raise _error(where, f"refused the image '{image.src}': it is outside the project folder",
                     "copy the image into the project (e.g. manuscript/images/) and write its path from the "
                     "manuscript's folder")
    if not image.path.exists():
        raise _error(where, f"the image '{image.src}' does not exist",
                     f"paths are read from the manuscript's folder ({where.path.parent.name}/): "
                     "check the name, or add the file")
    if not real.is_file():
        raise _error(where, f"the image '{image.src}' is not a file", "name an image file, not a folder")
    return real


def _download(config: Config, image: Image, where: SourceLocation) -> Path:
    """A web image from an allowed host, fetched once into the project's cache."""
    host = (urlparse(image.src).hostname or "").lower()
    if host not in {h.lower() for h in config.security.allow_hosts}:
        raise _error(where, f"refused to fetch the image '{image.src}': the build does not use the network",
                     f"copy the image into the project and write its path, or allow the host in book.toml: "
                     f"[security] allow_hosts = [\"{host}\"]")
    target = cache_path(config.root, CACHE) / hashlib.sha256(image.src.encode()).hexdigest()
    if target.is_file():
        return target
    import urllib.request

    from ..output import write_bytes_atomic

    try:
        with urllib.request.urlopen(image.src, timeout=30) as response:  # noqa: S310 - http(s), allowed host
            data = response.read(MAX_DOWNLOAD + 1)
    except (OSError, ValueError) as exc:
        raise _error(where, f"cannot fetch the image '{image.src}': {getattr(exc, 'reason', exc)}",
                     "check the address, or copy the image into the project") from None
    if len(data) > MAX_DOWNLOAD:
        raise _error(where, f"the image '{image.src}' is larger than {MAX_DOWNLOAD // 2**20} MB",
                     "use a smaller file")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(target, data)
    return target


def _read(path: Path, image: Image, where: SourceLocation) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _error(where, f"cannot read the image '{image.src}': {exc.strerror or exc}",
                     "check the file's permissions") from None


def _kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return "svg"
    return None


def _raster_size(path: Path, image: Image, where: SourceLocation) -> tuple[int, int]:
    from PIL import Image as PILImage

    from ..pdf.images import image_problem

    problem = image_problem(path)
    if problem:
        raise _error(where, f"cannot use the image '{image.src}': {problem}",
                     "replace the file with a working PNG or JPEG image")
    with PILImage.open(path) as opened:
        return opened.size


def _svg_size(data: bytes, image: Image, where: SourceLocation) -> tuple[int, int]:
    """Parse the SVG safely, refuse what could run or reach out, and read its intrinsic size."""
    from lxml import etree

    def refuse(why: str) -> ManuscriptError:
        return _error(where, f"cannot use the SVG '{image.src}': {why}",
                      "export the drawing again as plain SVG (no scripts, no links to other files), or as PNG")

    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.IGNORECASE):
        raise refuse("it has a DOCTYPE or entity declarations, which could expand without end")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise refuse(f"it is not well-formed XML ({exc.msg})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise refuse("its root element is not <svg> in the SVG namespace")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in ("script", "foreignObject", "iframe", "embed", "object"):
            raise refuse(f"it holds a <{local}> element")
        for name, value in element.attrib.items():
            attribute = etree.QName(name).localname
            if attribute.lower().startswith("on"):
                raise refuse(f"it holds an event handler ({attribute}=…)")
            if attribute == "href" and not (value.startswith("#") or value.startswith("data:image/")):
                raise refuse(f"it refers to another file ({value})")
        if local == "style" and re.search(r"url\(\s*['\"]?(?!#|data:)", element.text or ""):
            raise refuse("its style sheet refers to another file")
    return _svg_length(root.get("width"), root.get("viewBox"), 2), _svg_length(root.get("height"), root.get("viewBox"), 3)


def _svg_length(value: str | None, view_box: str | None, index: int) -> int:
    """An SVG width or height in CSS px; a percentage or none falls back to the viewBox's."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(px|pt|pc|mm|cm|in|)\s*", value or "")
    if match:
        return round(float(match[1]) * _PX[match[2]])
    parts = re.split(r"[\s,]+", (view_box or "").strip())
    try:
        return round(float(parts[index])) if len(parts) == 4 else 0
    except ValueError:
        return 0
