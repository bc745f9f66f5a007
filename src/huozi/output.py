"""Writing outputs: whole files appear atomically, or not at all."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError, SourceLocation


def ensure_writable(folder: Path) -> None:
    """Create the output folder, or say clearly why it cannot be used."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", SourceLocation(folder),
                          "choose another folder with --out, or fix its permissions") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable", SourceLocation(folder),
                          "choose another folder with --out, or fix its permissions")


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a temporary file beside `target`, then move it into place.

    A failure (or an interrupt) leaves the previous `target` untouched and no temp file behind.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Atomically replace `target` with `data`."""
    write_atomic(target, lambda tmp: tmp.write_bytes(data))
