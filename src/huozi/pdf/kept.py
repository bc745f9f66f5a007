"""What a paged edition's layout decided, kept in the project's cache for the next process.

A worker remembers its decisions for its life, each by the hash of everything it is made from:
the line-break plans (text/linebreak.py) and the footnote marks by page (pdf/notes.py). A new
process (`huozi build --force`, a CI run with its cache restored) would make them all again (the
marks cost a layout of the book each time they move). So the decisions one layout used are saved in the
project's cache, as `layout/EDITION.json`, with a salt naming what else they rest on (huozi's code,
the tools' versions, fontconfig's state and the `[typography]` options); a file with another
salt is not read. An entry only ever answers the question it was made for, so the bytes are
those of a cold build; a damaged file or entry is a miss.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..cache import Memo, Store, cache_path, content_key, tool_versions
from ..text.linebreak import PLANS

FOLDER = "layout"
# Footnote marks numbered by page, by the hash of the edition's HTML with placeholder marks.
NOTE_MARKS = Memo(1024, decode=lambda marks: marks if isinstance(marks, dict) and all(
    isinstance(k, str) and isinstance(v, str) for k, v in marks.items()) else None)


def memos() -> dict[str, Memo]:
    """The decisions a layout keeps, by name."""
    return {"plans": PLANS, "marks": NOTE_MARKS}


def layout_salt(typography: Any) -> str:
    """What a layout depends on besides its HTML: huozi's code, the tools, the fonts, `[typography]`."""
    from ..fonts import fontconfig_stamp
    from ..state import code_digest

    return content_key(json.dumps(tool_versions(), sort_keys=True), code_digest(),
                       repr(fontconfig_stamp()), repr(typography))


@contextmanager
def kept_decisions(root: Path, edition: str, salt: str) -> Iterator[None]:
    """Take the decisions saved for `edition` into memory; on success, save those it used."""
    kept = memos()
    if any(memo.used is not None for memo in kept.values()):   # inside another layout: it saves them
        yield
        return
    store = Store(cache_path(root, FOLDER), ".json")
    saved = _load(store, edition, salt)
    for name, memo in kept.items():
        memo.take(saved.get(name, {}))
        memo.used = set()
    try:
        yield
        used = {name: memo.saved() for name, memo in kept.items()}
        if used != saved:
            store.put(edition, json.dumps({"salt": salt, **used}, sort_keys=True, ensure_ascii=False).encode())
    finally:
        for memo in kept.values():
            memo.used = None


def _load(store: Store, edition: str, salt: str) -> dict[str, dict[str, Any]]:
    data = store.get(edition)
    try:
        found = json.loads(data) if data is not None else None
    except ValueError:
        return {}
    if not isinstance(found, dict) or found.get("salt") != salt:
        return {}
    return {name: value for name, value in found.items() if name != "salt" and isinstance(value, dict)}
