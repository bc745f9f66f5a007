"""Remove what builds leave behind: outputs, build state, report and caches; nothing else.

Only files huozi wrote are removed: the outputs the build state lists (or, with no state, the
files named after this book's slug), the state, the report, the no-op stamp and huozi's own
temporary files.
It runs under the build lock, so a clean waits for a build into the same folder to finish.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .cache import CACHE_DIR
from .config import load_config
from .editions import EDITIONS
from .output import TMP_PREFIX, build_lock
from .quick import STAMP_NAME
from .report import REPORT_NAME
from .state import STATE_NAME, load_state


def _ours(out_dir: Path, slug: str) -> list[str]:
    """File names in `out_dir` that a build of this book wrote."""
    state = load_state(out_dir)
    outputs = [s.file for s in state.values()] if state else [f"{slug}{e.suffix}" for e in EDITIONS.values()]
    # A state file is data in a folder others may write to: only plain names inside `out_dir`.
    plain = [name for name in outputs if name and Path(name).name == name and not name.startswith(".")]
    return [STAMP_NAME] + plain + [REPORT_NAME, STATE_NAME]  # the stamp first: it vouches for the outputs


def clean(project: Path, out: Path | None = None) -> list[Path]:
    """Delete the known build products; return what was removed."""
    config = load_config(project)
    out_dir = (out or config.root / "dist").resolve()
    removed: list[Path] = []
    if out_dir.is_dir():
        leftovers = sorted(out_dir.glob(f"{TMP_PREFIX}*"))
        with build_lock(out_dir):  # removes this folder's huozi temp files on entry
            removed += [p for p in leftovers if not p.exists()]
            for name in _ours(out_dir, config.book.slug):
                path = out_dir / name
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path)
                elif path.is_dir() and not path.is_symlink():  # a folder edition (the html site)
                    shutil.rmtree(path)
                    removed.append(path)
        try:
            out_dir.rmdir()  # only when nothing else is left in it
            removed.append(out_dir)
        except OSError:
            pass
    cache = config.root / CACHE_DIR
    if cache.is_dir() and not cache.is_symlink():
        shutil.rmtree(cache)
        removed.append(cache)
    return removed
