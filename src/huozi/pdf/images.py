"""Images named by templates and stylesheets, checked before WeasyPrint decodes them.

WeasyPrint reports an image it cannot decode as a warning with an empty reason (and leaves a
hole in the page); a decompression bomb costs gigabytes first, and an SVG with a DOCTYPE can
define entities that expand without end. Each of these is an error that says why.
"""
from __future__ import annotations

import warnings
from pathlib import Path

# 50 megapixels: a 300 dpi full-bleed A3 photograph is 17; anything larger is a mistake or an attack.
MAX_PIXELS = 50_000_000
RASTER_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
RASTER_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


def image_problem(path: Path) -> str | None:
    """Why the image at `path` cannot be used, or None when it is fine (or is not an image)."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError:
        return None  # the fetcher reports a missing or unreadable file itself
    if suffix == ".svg" or (suffix not in RASTER_SUFFIXES and data.lstrip()[:4] == b"<svg"):
        head = data[:4096].lower()
        if b"<!doctype" in head or b"<!entity" in data.lower():
            return "the SVG has a DOCTYPE or entity declarations, which are not allowed (they can expand without end)"
        return None
    if suffix not in RASTER_SUFFIXES and not data.startswith(RASTER_MAGIC) and data[8:12] != b"WEBP":
        return None
    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process when imported: a truncated
    # file would then decode silently, with grey where its end should be.
    truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return (f"it is {width} × {height} pixels, more than the {MAX_PIXELS // 1_000_000} "
                            "megapixels an image may have")
                image.verify()  # checksums and structure
            with Image.open(path) as image:
                image.load()  # every pixel decodes (a truncated file fails here)
    except Image.DecompressionBombError as exc:
        return f"it is a decompression bomb ({exc})"
    except Image.DecompressionBombWarning:
        return f"it has more than the {MAX_PIXELS // 1_000_000} megapixels an image may have"
    except UnidentifiedImageError:
        if data.startswith(RASTER_MAGIC) or data[8:12] == b"WEBP":
            return "the file is damaged: it starts as an image but cannot be decoded"
        return "it is not an image file in a format the renderer can read (PNG, JPEG, GIF, WebP)"
    except (OSError, SyntaxError, ValueError) as exc:  # PIL reports damage as these
        return f"the file is damaged: {exc}"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return None
