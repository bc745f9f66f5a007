"""Find the CJK fonts through fontconfig; never let a build fall back to empty boxes."""
from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import FontError

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
DEBIAN_PACKAGE = "fonts-noto-cjk"


@dataclass(frozen=True)
class FontFile:
    """One installed face: family name, style and the file that holds it (.ttc index aside)."""

    family: str
    style: str
    path: Path


def _fc_list(family: str) -> list[FontFile]:
    if shutil.which("fc-list") is None:
        raise FontError("fontconfig (fc-list) is not installed", hint="apt-get install fontconfig")
    out = subprocess.run(
        ["fc-list", f":family={family}", "family", "style", "file"],
        capture_output=True, text=True, check=False,
    ).stdout
    faces = []
    for line in sorted(out.splitlines()):
        path, _, rest = line.partition(": ")
        families, _, style = rest.partition(":style=")
        if family in families.split(","):
            faces.append(FontFile(family, style.split(",")[0], Path(path)))
    return faces


@functools.lru_cache(maxsize=None)
def find_font(family: str, style: str = "Regular") -> FontFile:
    """The installed face of `family` in `style`, or a FontError naming the Debian package."""
    faces = _fc_list(family)
    for face in faces:
        if face.style == style:
            return face
    raise FontError(
        f"the font '{family}' ({style}) is not installed",
        hint=f"install the Debian package {DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE})",
    )


def require_cjk_fonts() -> tuple[FontFile, ...]:
    """Both faces the book is set in; raises before any PDF is written if one is missing."""
    return (find_font(SERIF), find_font(SERIF, "Bold"), find_font(SANS), find_font(SANS, "Bold"))
