"""What each edition was built from: content hashes of its inputs, to skip unchanged editions."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .config import Config
from .output import write_bytes_atomic

STATE_NAME = ".huozi-state.json"
# Tools whose version changes the bytes of an output.
TOOLS = ("weasyprint", "pydyf", "ebooklib", "matplotlib", "fonttools", "markdown-it-py", "jinja2")
_PACKAGE_DIR = Path(__file__).resolve().parent


def tool_versions() -> dict[str, str]:
    """Installed versions of the tools that shape the outputs (read from metadata, no import)."""
    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _hash_files(digest: "hashlib._Hash", root: Path, files: list[Path]) -> None:
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _tree(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)]


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
               fonts: tuple[Path, ...]) -> str:
    """A hash of everything an edition is made from: sources, styles, data, fonts, tools, code."""
    digest = hashlib.sha256()
    digest.update(f"{edition}\0{epoch}\0".encode())
    digest.update(json.dumps(tool_versions(), sort_keys=True).encode())
    _hash_files(digest, config.root, [config.path] + _tree(config.manuscript_dir)
                + _styles_for(edition, editions, config.styles_dir) + _tree(config.figures_dir))
    _hash_files(digest, _PACKAGE_DIR, [p for p in _tree(_PACKAGE_DIR) if p.suffix == ".py"])
    for font in fonts:
        stat = font.stat()
        digest.update(f"{font}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class EditionState:
    """The record of one built edition."""

    key: str
    file: str
    sha256: str
    pages: int | None
    typography: dict | None = None  # the lint's measures of a PDF edition (checks.lint.LintReport.metrics)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_state(out_dir: Path) -> dict[str, EditionState]:
    """The previous build's records; a missing or corrupt state file means rebuild everything."""
    try:
        raw = json.loads((out_dir / STATE_NAME).read_text(encoding="utf-8"))
        return {name: EditionState(**entry) for name, entry in raw.items()}
    except (OSError, ValueError, TypeError):
        return {}


def is_current(out_dir: Path, state: EditionState | None, key: str) -> bool:
    """True when the edition's output exists unchanged and was made from the same inputs."""
    if state is None or state.key != key:
        return False
    path = out_dir / state.file
    return path.is_file() and file_sha256(path) == state.sha256


def save_state(out_dir: Path, states: dict[str, EditionState]) -> None:
    data = {name: vars(s) for name, s in sorted(states.items())}
    write_bytes_atomic(out_dir / STATE_NAME, json.dumps(data, indent=1, sort_keys=True).encode())
