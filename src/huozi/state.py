"""What each edition was built from: content hashes of its inputs, to skip unchanged editions."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import THEME_DIR, Config
from .output import write_bytes_atomic

STATE_NAME = ".huozi-state.json"
# Tools whose version changes the bytes of an output.
TOOLS = ("weasyprint", "pydyf", "ebooklib", "matplotlib", "fonttools", "markdown-it-py", "jinja2")
_PACKAGE_DIR = Path(__file__).resolve().parent


_DIST_INFO = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)\.dist-info$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _dist_info_versions() -> dict[str, str]:
    """Version of each installed distribution, from its `NAME-VERSION.dist-info` folder name.

    The first folder on sys.path that holds a distribution wins, as for `importlib.metadata`;
    listing a few folders is ~1 ms, where parsing 35 METADATA files took 0.2 s of a no-op build.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = _DIST_INFO.match(name)
            if match:
                found.setdefault(_normal(match["name"]), match["version"])
    return found


@functools.lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    """Installed versions of the tools that shape the outputs (no import, no METADATA parsing).

    Read once per process: the code that runs is the code imported at start, so a process
    never sees a newer tool than the one it started with.
    """
    listed = _dist_info_versions()
    versions = {}
    for name in TOOLS:
        version = listed.get(_normal(name))
        if version is None:  # an egg-info or unusual install: ask importlib.metadata
            from importlib import metadata  # 30 ms to import: only when needed

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "absent"
        versions[name] = version
    return versions


def _hash_files(digest: "hashlib._Hash", root: Path, files: list[Path],
                memo: dict[Path, bytes] | None = None) -> None:
    memo = {} if memo is None else memo
    prefix = len(str(root)) + 1
    for path in sorted(files):
        digest.update(str(path)[prefix:].encode() + b"\0")  # the path relative to root
        if path not in memo:
            memo[path] = hashlib.sha256(path.read_bytes()).digest()
        digest.update(memo[path])


@functools.lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A hash of huozi's own modules, once per process (the code running is the code imported)."""
    digest = hashlib.sha256()
    _hash_files(digest, _PACKAGE_DIR, [p for p in _tree(_PACKAGE_DIR) if p.name.endswith(".py")])
    return digest.digest()


def _tree(folder: Path) -> list[Path]:
    """The files under `folder`, hidden files and folders aside (symlinked folders not entered).

    os.walk rather than Path.rglob: a no-op build lists these folders every time, and pathlib's
    per-path overhead was a fifth of it.
    """
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(top, f) for f in files if not f.startswith(".") and os.path.isfile(os.path.join(top, f)))
    return found


def _styles_for(edition: str, editions: tuple[str, ...], styles_dir: Path) -> list[Path]:
    """Style files an edition may use: all but those named after, or kept for, another edition."""
    others = set(editions) - {edition}
    kept = []
    for path in _tree(styles_dir):
        parts = path.relative_to(styles_dir).parts
        if parts[0] in others or parts[-1].split(".")[0] in others:
            continue
        kept.append(path)
    return kept


def inputs_key(config: Config, edition: str, editions: tuple[str, ...], epoch: int,
               fonts: tuple[Path, ...], memo: dict[Path, bytes] | None = None) -> str:
    """A hash of everything an edition is made from: sources, styles, data, fonts, tools, code.

    `memo` (path -> content hash) lets the keys of one build hash each source file once.
    """
    digest = hashlib.sha256()
    digest.update(f"{edition}\0{epoch}\0".encode())
    digest.update(json.dumps(tool_versions(), sort_keys=True).encode())
    _hash_files(digest, config.root, [config.path] + _tree(config.manuscript_dir)
                + _styles_for(edition, editions, config.styles_dir) + _tree(config.figures_dir)
                + _images_elsewhere(config), memo)
    _hash_files(digest, THEME_DIR, _styles_for(edition, editions, THEME_DIR), memo)  # what styles/ does not override
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
    typography: dict | None = None  # the lint's measures of a PDF edition (checks.lint.LintReport.metrics)


def file_sha256(path: Path) -> str:
    """The sha256 of a file; of a folder output (the html site), of its files' names and hashes."""
    if not path.is_dir() or path.is_symlink():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for name, file in _folder_files(path):
        digest.update(f"{name}\0{hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def output_size(path: Path) -> int:
    """Bytes of an output: a file's size, or the sum of a folder output's files."""
    if not path.is_dir() or path.is_symlink():
        return path.stat().st_size
    return sum(file.stat().st_size for _, file in _folder_files(path))


def _folder_files(folder: Path) -> list[tuple[str, Path]]:
    return sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())


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
    data = {name: vars(s) for name, s in sorted(states.items())}
    write_bytes_atomic(out_dir / STATE_NAME, json.dumps(data, indent=1, sort_keys=True).encode())
