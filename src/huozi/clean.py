"""Remove what builds leave behind: outputs, build state, report and caches; nothing else."""
from __future__ import annotations

import shutil
from pathlib import Path

from .config import load_config
from .editions import EDITIONS
from .report import REPORT_NAME
from .state import STATE_NAME

CACHE_DIR = ".huozi-cache"


def clean(project: Path, out: Path | None = None) -> list[Path]:
    """Delete the known build products; return what was removed."""
    config = load_config(project)
    out_dir = out or config.root / "dist"
    removed = []
    names = [f"{config.book.slug}{e.suffix}" for e in EDITIONS.values()] + [REPORT_NAME, STATE_NAME]
    for name in names:
        path = out_dir / name
        if path.is_file():
            path.unlink()
            removed.append(path)
    for stale in sorted(out_dir.glob(".*.tmp")) if out_dir.is_dir() else []:
        stale.unlink()
        removed.append(stale)
    cache = config.root / CACHE_DIR
    if cache.is_dir():
        shutil.rmtree(cache)
        removed.append(cache)
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
        removed.append(out_dir)
    return removed
