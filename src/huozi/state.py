"""What each edition was built from: content hashes of its inputs (cache.py's hashing), to skip unchanged editions."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import file_sha256, hash_files, tool_versions
from .config import THEME_DIR, Config
from .editions import EDITIONS
from .output import write_bytes_if_changed

STATE_NAME = ".huozi-state.json"
_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A hash of huozi's own modules, once per process (the code running is the code imported)."""
    digest = hashlib.sha256()
    hash_files(digest, _PACKAGE_DIR, [p for p in _tree(_PACKAGE_DIR) if p.name.endswith(".py")])
    return digest.digest()


def _tree(folder: Path) -> list[Path]:
    """The files under `folder`, hidden files and folders aside (symlinked folders not entered).

    os.walk rather than Path.rglob: a no-op build lists these folders every time, and pathlib's
    per-path overhead was a fifth of it.
    """
    found: list[Path] = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(top, f) for f in files if not f.startswith(".") and os.path.isfile(os.path.join(top, f)))
    return found


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


def _images_elsewhere(config: Config) -> list[Path]:
    """Image files the manuscript names outside manuscript/ (those inside are hashed with it)."""
    from urllib.parse import unquote

    root = config.root.resolve()
    found = set()
    for path in _tree(config.manuscript_dir):
        if not path.name.lower().endswith((".md", ".markdown")):
            continue
        for match in _IMAGE_LINK.finditer(path.read_bytes()):
            target = (path.parent / unquote(match[1].decode("utf-8", "replace"))).resolve()
            if target.is_relative_to(root) and not target.is_relative_to(config.manuscript_dir.resolve()) \
                    and target.is_file():
                found.add(config.root / target.relative_to(root))
    return sorted(found)


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
