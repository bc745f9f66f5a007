"""A content-addressed store of drawn figures: same inputs, same key, no drawing (and no matplotlib)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..cache import Store, cache_path, tool_versions
from ..fonts import SANS, find_font
from .spec import FigureSpec

# Bump when the cache layout or the post-processing of SVGs changes in a way the key cannot see.
CACHE_VERSION = 1
CACHE_DIR = "figures"  # in the project's cache (cache.py)
# The code whose output is a figure: its source is part of the key, so a style change redraws.
DRAWING_MODULES = ("style.py", "plot.py", "svg.py")


def _fonts_fingerprint() -> list[list[object]]:
    """Which font files would set the labels: path, size and mtime (hashing 20 MB each build is waste)."""
    faces = [find_font(SANS), find_font(SANS, "Bold")]
    return [[str(f.path), f.path.stat().st_size, f.path.stat().st_mtime_ns] for f in faces]


def figure_key(spec: FigureSpec, pairings: tuple[Any, ...]) -> str:
    """The hash of everything that decides a figure's bytes."""
    here = Path(__file__).parent
    facts = [asdict(f) | {"line": None} for f in spec.all_facts]
    material = {
        "version": CACHE_VERSION,
        "matplotlib": tool_versions()["matplotlib"],
        "spec": spec.path.read_text(encoding="utf-8"),
        "filled": [spec.caption, spec.alt, spec.note, spec.source],
        "facts": facts,
        "pairings": [asdict(p) | {"line": None} for p in pairings] if spec.kind == "pairings" else [],
        "code": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in DRAWING_MODULES],
        "fonts": _fonts_fingerprint(),
    }
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _whole_svg(data: bytes) -> bool:
    """An interrupted or hand-edited entry must not reach a book: it is a whole SVG in UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>")


class FigureCache:
    """SVG files named by figure and key in the project's cache (`cache.Store`); a damaged entry is a miss."""

    def __init__(self, root: Path):
        self.store = Store(cache_path(root, CACHE_DIR), ".svg", _whole_svg)
        self.folder = self.store.folder

    @staticmethod
    def _name(spec: FigureSpec, key: str) -> str:
        return f"{spec.id}-{key[:24]}"

    def path(self, spec: FigureSpec, key: str) -> Path:
        return self.store.path(self._name(spec, key))

    def get(self, spec: FigureSpec, key: str) -> str | None:
        data = self.store.get(self._name(spec, key))
        return data.decode("utf-8") if data is not None else None

    def put(self, spec: FigureSpec, key: str, svg: str) -> None:
        # This figure's older keys go (the glob's "?" * 24: not another figure whose id extends this one).
        self.store.put(self._name(spec, key), svg.encode("utf-8"), replaces=f"{spec.id}-{'?' * 24}.svg")
