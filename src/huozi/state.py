"""What each edition was built from: content hashes of its inputs (cache.py's hashing), to skip unchanged editions."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import file_sha256, hash_files, tool_versions
from .config import THEME_DIR, Config
from .editions import EDITIONS
from .output import write_bytes_if_changed
from .quick import Record, record, walk

STATE_NAME = ".huozi-state.json"
_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def _code() -> tuple[bytes, int, dict[str, Record]]:
    """The hash of huozi's own modules, when it was taken, and their stat records (quick.py)."""
    since = time.time_ns()
    records: dict[str, Record] = {}
    files = walk(str(_PACKAGE_DIR), records, skip=("__pycache__",))   # compiled files come and go
    digest = hashlib.sha256()
    hash_files(digest, _PACKAGE_DIR, [Path(p) for p in files if p.endswith(".py")])
    return digest.digest(), since, records


def code_digest() -> bytes:
    """A hash of huozi's own modules, once per process (the code running is the code imported)."""
    return _code()[0]


def code_records() -> tuple[int, dict[str, Record]]:
    """When code_digest read huozi's modules, and their stat records then (for the stamp, quick.py)."""
    return _code()[1], _code()[2]


def _tree(folder: Path, records: dict[str, Record] | None = None) -> list[Path]:
    """The files under `folder`, hidden files and folders aside (symlinked folders not entered);
    `records` collects the stat records of the folders and files (quick.walk).

    os.scandir rather than Path.rglob: a no-op build lists these folders every time, and pathlib's
    per-path overhead was a fifth of it.
    """
    return [Path(path) for path in walk(str(folder), records)]


def _styles_for(edition: str, styles_dir: Path) -> list[Path]:
    """Style files an edition may use: all but those only another edition reads (`Edition.styles`)."""
    others = {name for other in EDITIONS.values() if other.name != edition for name in other.styles}
    kept = []
    for path in _tree(styles_dir):
        parts = path.relative_to(styles_dir).parts
        if parts[0] in others or parts[-1].split(".")[0] in others:
            continue
        kept.append(path)
    return kept


def inputs_key(config: Config, edition: str, epoch: int, fonts: tuple[Path, ...],
               memo: dict[Path, bytes] | None = None) -> str:
    """A hash of everything an edition is made from: sources, styles, data, fonts, tools, code.

    `memo` (path -> content hash) lets the keys of one build hash each source file once.
    """
    digest = hashlib.sha256()
    digest.update(f"{edition}\0{epoch}\0".encode())
    digest.update(json.dumps(tool_versions(), sort_keys=True).encode())
    hash_files(digest, config.root, [config.path] + _tree(config.manuscript_dir)
                + _styles_for(edition, config.styles_dir) + _tree(config.figures_dir)
                + _images_elsewhere(config), memo)
    hash_files(digest, THEME_DIR, _styles_for(edition, THEME_DIR), memo)  # what styles/ does not override
    digest.update(code_digest())
    for font in fonts:
        stat = font.stat()
        digest.update(f"{font}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


_IMAGE_LINK = re.compile(rb"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def _named_images(manuscript_dir: Path) -> list[Path]:
    """Every image path the manuscript names, joined to its Markdown file's folder (not resolved)."""
    from urllib.parse import unquote

    named = []
    for path in _tree(manuscript_dir):
        if path.name.lower().endswith((".md", ".markdown")):
            named += [path.parent / unquote(match[1].decode("utf-8", "replace"))
                      for match in _IMAGE_LINK.finditer(path.read_bytes())]
    return named


def _images_elsewhere(config: Config) -> list[Path]:
    """Image files the manuscript names outside manuscript/ (those inside are hashed with it)."""
    root = config.root.resolve()
    inside = config.manuscript_dir.resolve()
    found = set()
    for named in _named_images(config.manuscript_dir):
        target = named.resolve()
        if target.is_relative_to(root) and not target.is_relative_to(inside) and target.is_file():
            found.add(config.root / target.relative_to(root))
    return sorted(found)


def watched_sources(config: Config) -> tuple[dict[str, Record], dict[str, str]]:
    """Stat records of every source an inputs key reads (for the stamp, quick.py): the files and
    folders of manuscript/, styles/, figures/ and the theme, and every image path the manuscript
    names, with where it resolves to. Taken before the keys read them: a later change shows."""
    records: dict[str, Record] = {}
    for folder in (config.manuscript_dir, config.styles_dir, config.figures_dir, THEME_DIR):
        _tree(folder, records)
    named = _named_images(config.manuscript_dir)
    records.update((str(path), record(str(path))) for path in named)
    return records, {str(path): os.path.realpath(path) for path in named}


@dataclass(frozen=True)
class EditionState:
    """The record of one built edition."""

    key: str
    file: str
    sha256: str
    pages: int | None
    typography: dict[str, Any] | None = None  # the lint's measures of a PDF edition (checks.lint.LintReport.metrics)
    lint: dict[str, Any] | None = None  # the lint's summary and findings (checks.lint.LintReport.record), for huozi check


def load_state(out_dir: Path) -> dict[str, EditionState]:
    """The previous build's records; a missing or corrupt state file means rebuild everything."""
    try:
        raw = json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
        states = {name: EditionState(**entry) for name, entry in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError):  # AttributeError: not a JSON object
        return {}
    if not all(isinstance(s.key, str) and isinstance(s.file, str) and isinstance(s.sha256, str)
               for s in states.values()):
        return {}
    return states


def is_current(out_dir: Path, state: EditionState | None, key: str) -> bool:
    """True when the edition's output exists unchanged and was made from the same inputs."""
    if state is None or state.key != key:
        return False
    path = out_dir / state.file
    exists = path.is_file() or (path.is_dir() and not path.is_symlink())
    return exists and file_sha256(path) == state.sha256


def save_state(out_dir: Path, states: dict[str, EditionState]) -> None:
    """Write the records; a no-op build leaves the file as it is (so the stamp's record of it holds)."""
    data = {name: vars(s) for name, s in sorted(states.items())}
    write_bytes_if_changed(out_dir / STATE_NAME, json.dumps(data, indent=1, sort_keys=True).encode())
