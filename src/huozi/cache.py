"""The project's content-addressed cache (`.huozi-cache/`): one home for its name, its keys and its files.

Everything a build may keep between runs is stored under a key that hashes everything its
bytes depend on, so an entry is either exactly right or never found: drawn figures (figures/),
EPUB font subsets (fonts/) and cover (cover/), fontconfig's answer (fontconfig.json) and the
faces' coverage (coverage.json), fetched images (images/), the PDFs' font subsets (subsets/) and
deflated streams (deflated/), layout decisions (layout/).
The build state (state.py) keys each edition by the same hashing of its inputs.

An entry that is damaged (an interrupted write, a hand edit) is a miss, and a cache that cannot
be written only makes the next build slower: the build never fails because of its cache.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .quick import Record, tool_folders

CACHE_DIR = ".huozi-cache"  # in the project folder (git-ignored); `huozi clean` removes it
# Tools whose version changes the bytes of an output.
TOOLS = ("weasyprint", "pydyf", "ebooklib", "matplotlib", "fonttools", "brotli", "markdown-it-py", "jinja2",
         "pillow", "uharfbuzz")  # pillow draws the EPUB's cover, uharfbuzz subsets its fonts


def cache_path(root: Path, name: str) -> Path:
    """A file or folder of the project's cache."""
    return root / CACHE_DIR / name


def content_key(*parts: str | bytes) -> str:
    """The hash of `parts` in order (each one delimited, so ("ab", "c") != ("a", "bc"))."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of an output: of a file's bytes; of a folder output (the html site), of its
    files' names and hashes."""
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


def hash_files(digest: hashlib._Hash, root: Path, files: Iterable[Path],
               memo: dict[Path, bytes] | None = None) -> None:
    """Add each file's path (relative to `root`) and content hash to `digest`, in sorted order;
    `memo` (path -> content hash) lets one build hash each file once."""
    memo = {} if memo is None else memo
    prefix = len(str(root)) + 1
    for path in sorted(files):
        digest.update(str(path)[prefix:].encode() + b"\0")
        if path not in memo:
            memo[path] = hashlib.sha256(path.read_bytes()).digest()
        digest.update(memo[path])


def user_cache(name: str) -> Path:
    """A folder of the user's own cache (``$XDG_CACHE_HOME/huozi``), for what must not come from a
    project: no project's files can write there, only huozi running as this user."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path(os.environ.get("HOME", "/nonexistent")) / ".cache")
    return Path(home) / "huozi" / name


def sealed(data: bytes) -> bytes:
    """`data` with the sha256 of it in front, so a damaged entry is known (`unsealed`)."""
    return hashlib.sha256(data).digest() + data


def unsealed(entry: bytes | None) -> bytes | None:
    """The data of a `sealed` entry, or None when it is missing or damaged."""
    if entry is None or len(entry) <= 32 or hashlib.sha256(entry[32:]).digest() != entry[:32]:
        return None
    return entry[32:]


class Store:
    """Entries of one kind in a folder of the cache, each a file named by its key."""

    def __init__(self, folder: Path, suffix: str, valid: Callable[[bytes], bool] = lambda data: True,
                 pruned: bool = False) -> None:
        self.folder = folder
        self.suffix = suffix
        self.valid = valid
        self.pruned = pruned      # kept to the newest entries (prune): a hit makes its entry new again

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{self.suffix}"

    def get(self, key: str) -> bytes | None:
        """The entry's bytes, or None when it is missing or damaged."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not self.valid(data):
            return None
        if self.pruned:
            with contextlib.suppress(OSError):   # else an entry read at every build would be pruned
                os.utime(path)
        return data

    def put(self, key: str, data: bytes, replaces: str | None = None) -> None:
        """Write an entry atomically and at once (it is no output of the build's transaction, so a
        build that fails later still leaves it); `replaces`: a glob of older entries it supersedes."""
        entry = self.path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for stale in self.folder.glob(replaces) if replaces else ():
                if stale != entry:
                    stale.unlink(missing_ok=True)
            fd, name = tempfile.mkstemp(prefix=".tmp.", suffix=self.suffix, dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as tmp:
                    tmp.write(data)
                os.replace(name, entry)
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only project still builds; it just does the work again next time

    def prune(self, kept: int) -> None:
        """Remove all but the `kept` newest entries (for entries whose keys change with every edit)."""
        try:
            entries = sorted(self.folder.glob(f"*{self.suffix}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for stale in entries[kept:]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass


# --- the versions of the tools, part of every key ------------------------------------------------

_DIST_INFO = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)\.dist-info$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def dist_info_versions() -> dict[str, str]:
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
def _tools() -> tuple[dict[str, str], int, dict[str, Record], list[str]]:
    """The tool versions, when they were read, and the folders they were read from with their
    stat records, taken before they were listed (quick.tool_folders)."""
    since = time.time_ns()
    records: dict[str, Record] = {}
    folders = tool_folders(records)
    listed = dist_info_versions()
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
    return versions, since, records, folders


def tool_versions() -> dict[str, str]:
    """Installed versions of the tools that shape the outputs (no import, no METADATA parsing).

    Read once per process: the code that runs is the code imported at start, so a process
    never sees a newer tool than the one it started with.
    """
    return _tools()[0]


def tool_records() -> tuple[int, dict[str, Record], list[str]]:
    """When tool_versions read sys.path's folders, their stat records then, and which folders
    they were (for the stamp, quick.py)."""
    return _tools()[1:]


# --- decisions kept by the hash of what they are made from ----------------------------------------

class Memo(dict):  # type: ignore[type-arg]
    """Results by the hash of everything they are made from, for the life of the process (the
    oldest forgotten past `kept`).

    While `used` is a set, it collects the keys read or made, so that one layout's entries can be
    saved to the project's cache (pdf/kept.py); `encode` makes an entry JSON and `decode` takes it
    back, returning None for one it does not recognise (a damaged or foreign file is a miss).
    """

    def __init__(self, kept: int, encode: Callable[[Any], Any] = lambda value: value,
                 decode: Callable[[Any], Any] = lambda value: value) -> None:
        super().__init__()
        self.kept, self.encode, self.decode = kept, encode, decode
        self.used: set[str] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        if self.used is not None:
            self.used.add(key)
        return dict.__getitem__(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        if self.used is not None:
            self.used.add(key)
        self._forget_oldest()

    def take(self, saved: dict[str, Any]) -> None:
        """Entries saved by an earlier process, decoded; those it has are kept as they are."""
        for key, value in saved.items():
            if isinstance(key, str) and key not in self and (decoded := self.decode(value)) is not None:
                dict.__setitem__(self, key, decoded)
        self._forget_oldest()

    def _forget_oldest(self) -> None:
        while len(self) > self.kept:
            del self[next(iter(self))]

    def saved(self) -> dict[str, Any]:
        """The entries read or made since `used` was set, encoded."""
        return {key: self.encode(dict.__getitem__(self, key)) for key in sorted(self.used or ()) if key in self}
