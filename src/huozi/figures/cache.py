"""A content-addressed store of drawn figures: same inputs, same key, no drawing (and no matplotlib)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from ..fonts import SANS, find_font
from ..output import write_bytes_atomic
from ..state import tool_versions
from .spec import FigureSpec

# Bump when the cache layout or the post-processing of SVGs changes in a way the key cannot see.
CACHE_VERSION = 1
CACHE_DIR = Path(".huozi-cache") / "figures"
# The code whose output is a figure: its source is part of the key, so a style change redraws.
DRAWING_MODULES = ("style.py", "plot.py", "svg.py")


def _fonts_fingerprint() -> list[list]:
    """Which font files would set the labels: path, size and mtime (hashing 20 MB each build is waste)."""
    faces = [find_font(SANS), find_font(SANS, "Bold")]
    return [[str(f.path), f.path.stat().st_size, f.path.stat().st_mtime_ns] for f in faces]


def figure_key(spec: FigureSpec, pairings: tuple) -> str:
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


class FigureCache:
    """SVG files named by key under `root/.huozi-cache/figures`; a damaged entry is a miss."""

    def __init__(self, root: Path):
        self.folder = root / CACHE_DIR

    def path(self, spec: FigureSpec, key: str) -> Path:
        return self.folder / f"{spec.id}-{key[:24]}.svg"

    def get(self, spec: FigureSpec, key: str) -> str | None:
        try:
            text = self.path(spec, key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        # An interrupted or hand-edited entry must not reach a book: check it is a whole SVG.
        return text if text.lstrip().startswith("<?xml") and text.rstrip().endswith("</svg>") else None

    def put(self, spec: FigureSpec, key: str, svg: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for stale in self.folder.glob(f"{spec.id}-*.svg"):
                if len(stale.stem) == len(spec.id) + 25:  # only this figure's older keys
                    stale.unlink(missing_ok=True)
            write_bytes_atomic(self.path(spec, key), svg.encode("utf-8"))
        except OSError:
            pass  # a read-only project still builds; it just draws again next time
