"""Web fonts: the faces the EPUB embeds, subset to the site's text, as WOFF2.

The subsets are huozi.epub.fonts' (same faces, same HarfBuzz options, same cache); WOFF2 is
the same font compressed with Brotli, about a third smaller. fontTools writes it without
touching head.modified and Brotli is deterministic, so the bytes are the same build to build.
Compressing a CJK subset takes a second or two: the result is cached beside the subsets.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..cache import Store, content_key, tool_versions
from ..epub.fonts import Face, subset_faces

CACHE_VERSION = "1"  # bump when the WOFF2 options change


def woff2(data: bytes, cache_dir: Path | None) -> bytes:
    """The OpenType font `data` as WOFF2, cached (cache.Store) under a key of its bytes."""
    versions = tool_versions()
    key = content_key(data, CACHE_VERSION, versions["fonttools"], versions["brotli"])
    store = Store(cache_dir, ".woff2", lambda cached: cached[:4] == b"wOF2") if cache_dir is not None else None
    cached = store.get(key) if store is not None else None
    if cached is not None:
        return cached
    from fontTools.ttLib import woff2 as woff2_module

    out = io.BytesIO()
    woff2_module.compress(io.BytesIO(data), out)
    compressed = out.getvalue()
    if store is not None:
        store.put(key, compressed)
    return compressed


def file_name(face: Face) -> str:
    return face.file_name.removesuffix(".otf") + ".woff2"


def web_fonts(pages: Iterable[str], cache_dir: Path | None,
              families: Mapping[str, str]) -> tuple[dict[str, bytes], str]:
    """WOFF2 files (site path -> bytes) for the pages' text, and the @font-face rules that load
    them from the site's style/ folder."""
    from concurrent.futures import ThreadPoolExecutor

    files: dict[str, bytes] = {}
    rules = []
    subsets = subset_faces(pages, cache_dir, families)
    # Brotli lets go of the GIL: the faces are compressed side by side (a second or two each).
    with ThreadPoolExecutor(max(1, min(4, len(subsets)))) as pool:
        compressed = list(pool.map(lambda subset: woff2(subset[1], cache_dir), subsets))
    for (face, _), data in zip(subsets, compressed):
        files[file_name(face)] = data
        # swap: the text is shown at once in a fallback and redrawn when the face arrives.
        rules.append(f'@font-face {{ font-family: "{face.family}"; font-style: normal; font-weight: {face.weight}; '
                     f'font-display: swap; src: url("../{file_name(face)}") format("woff2"); }}')
    return files, "\n".join(rules) + "\n" if rules else ""
