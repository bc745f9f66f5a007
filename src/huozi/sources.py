"""Reading the author's text files: UTF-8 (a byte-order mark accepted), any line ending.

Every source file (book.toml, manuscripts, figure data, templates, stylesheets) is read here, so
that a file saved as GBK is an error naming its line instead of a crash, a BOM left by Windows
Notepad is not mistaken for text, and a file with old Mac (CR-only) line endings is counted in
lines the way the author's editor counts them.
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import HuoziError, SourceLocation

BOM = "\ufeff"
_NEWLINES = re.compile(r"\r\n?")


def decode(data: bytes, path: Path, error: type[HuoziError] = HuoziError) -> str:
    """`data` as text with "\\n" line ends; a file that is not UTF-8 is an `error` at its line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = _NEWLINES.sub("\n", data[: exc.start].decode("utf-8", "replace"))
        line = head.count("\n") + 1
        raise error(
            f"file is not UTF-8 text (byte 0x{data[exc.start]:02X} at line {line} cannot be read)",
            SourceLocation(path, line),
            f"save {path.name} as UTF-8 (most editors: 'Save with encoding' → UTF-8); "
            "GBK and GB 18030 files must be converted",
        ) from None
    return _NEWLINES.sub("\n", text.removeprefix(BOM))


def read_text(path: Path, error: type[HuoziError] = HuoziError) -> str:
    """The text of `path`, decoded as `decode` does; a file that cannot be read is an `error`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", SourceLocation(path),
                    "check that it is a readable file") from None
    return decode(data, path, error)
