"""`huozi new`: a new book project that builds at once."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from .errors import OutputError, SourceLocation

_NEWBOOK = Path(__file__).resolve().parent / "newbook"


def create_project(directory: Path) -> Path:
    """Copy the sample book into `directory` (new or empty) with a fresh identifier."""
    if directory.exists() and any(directory.iterdir()):
        raise OutputError("the folder is not empty", SourceLocation(directory),
                          "choose a new folder name; huozi new never overwrites files")
    shutil.copytree(_NEWBOOK, directory, dirs_exist_ok=True, symlinks=False)
    config = directory / "book.toml"
    # The identifier must be stable once made; it is random only at creation, like a new ISBN.
    config.write_text(config.read_text(encoding="utf-8").replace("IDENTIFIER", str(uuid.uuid4())),
                      encoding="utf-8")
    return directory
