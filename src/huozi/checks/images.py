"""Images fit for press and for readers: resolution at the placed size, alternative text.

A photograph printed below about 300 pixels per inch shows its pixels; the press edition is
measured twice: in the build on WeasyPrint's laid-out boxes (a warning), and in `huozi check`
on the written PDF with poppler's `pdfimages -list` (a warning, so an error with --strict).
Each finding names the manuscript's `file:line` of the image and its ppi.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..contract import FIGURE_FILE
from ..errors import SourceLocation
from ..events import BuildWarning
from ..pdf import boxes
from .findings import Finding

CSS_PX_PER_INCH = 96


def _message(image: Any, ppi: float, minimum: int) -> str:
    return (f"the image '{image.path.name}' is printed at {ppi:.0f} ppi, below the {minimum} ppi a press "
            f"needs ({image.width} × {image.height} pixels): supply a larger file or give it a smaller width=")


def resolution_warnings(document: Any, images: Any, minimum: int, edition: str) -> list[BuildWarning]:
    """A warning for each raster image the laid-out document places below `minimum` ppi."""
    found: dict[str, float] = {}
    for page in document.pages:
        for box in boxes.page_box(page).descendants():
            element = getattr(box, "element", None)
            if not boxes.is_replaced(box) or element is None or element.tag != "img":
                continue
            image = images.files.get(element.get(FIGURE_FILE, ""))
            if image is None or not image.raster or box.width <= 0:
                continue
            found[image.anchor] = image.width / (box.width / CSS_PX_PER_INCH)
    return [BuildWarning(_message(images.files[a], ppi, minimum), images.files[a].where, edition)
            for a, ppi in found.items() if ppi < minimum - 0.5]


def placed_ppi(path: Path) -> list[tuple[int, int, float]]:
    """(width, height, ppi) of every image drawn in the PDF, by `pdfimages -list`."""
    tool = shutil.which("pdfimages")
    if tool is None:
        return []
    listing = subprocess.run([tool, "-list", str(path)], capture_output=True, text=True, check=False).stdout
    placed = []
    for line in listing.splitlines()[2:]:
        columns = line.split()
        if len(columns) >= 14 and columns[2] == "image":
            placed.append((int(columns[3]), int(columns[4]), min(float(columns[12]), float(columns[13]))))
    return placed


def check_image_resolution(config: Any, path: Path) -> list[Finding]:
    """The press edition's raster images, each at the resolution a press needs."""
    from ..figures.images import load_images
    from ..manuscript import parse_manuscript

    images = load_images(config, parse_manuscript(config.manuscript_dir))
    rasters = [f for f in images.files.values() if f.raster]
    if not rasters:
        return []
    if shutil.which("pdfimages") is None:
        return [Finding("images", "note", "pdfimages is not installed: the images' resolution was not measured "
                        "(apt-get install poppler-utils)", SourceLocation(path), not_run=True)]
    findings = []
    reported: set[str] = set()
    minimum = config.images.min_ppi
    for width, height, ppi in placed_ppi(path):
        for image in rasters:
            if (image.width, image.height) == (width, height) and ppi < minimum - 0.5 and image.anchor not in reported:
                reported.add(image.anchor)
                findings.append(Finding("images", "warning", _message(image, ppi, minimum), image.where))
    return findings


def check_alt_text(config: Any, path: Path) -> list[Finding]:
    """Every image of the manuscript with alternative text (once, for the EPUB's check)."""
    from ..figures.images import load_images
    from ..manuscript import parse_manuscript

    images = load_images(config, parse_manuscript(config.manuscript_dir))
    return [Finding("images", "warning", w.message, w.where) for w in images.warnings]
