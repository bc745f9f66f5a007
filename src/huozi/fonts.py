"""Find the CJK fonts through fontconfig; never let a build fall back to empty boxes."""
from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import FontError, SourceLocation

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


def require_cjk_fonts(families: Sequence[str] = (SERIF, SANS), styles_dir: Path | None = None,
                      others: Sequence[str] = ()) -> tuple[FontFile, ...]:
    """Regular and Bold of each family the book is set in, and one face of each of `others`
    (code and quotations: a Kai face may have only "Book"); raises before any PDF is written.

    `families` is injectable so a caller (or a test) can require fonts other than Noto CJK;
    fontconfig itself is asked, so FONTCONFIG_FILE also changes what is found. With
    `styles_dir`, the error points at the stylesheet line that names the missing family.
    """
    try:
        found = [find_font(family, style) for family in families for style in ("Regular", "Bold")]
        return tuple(found) + tuple(find_any(family) for family in others if family not in families)
    except FontError as exc:
        if styles_dir is None or exc.where is not None:
            raise
        family = exc.message.split("'")[1]
        raise FontError(exc.message, _named_in(styles_dir, family), exc.hint) from None


@functools.lru_cache(maxsize=None)
def find_any(family: str) -> FontFile:
    """The Regular face of `family`, else its first installed face, or a FontError."""
    faces = _fc_list(family)
    for face in faces:
        if face.style == "Regular":
            return face
    if faces:
        return faces[0]
    raise FontError(f"the font '{family}' is not installed",
                    hint=f"install it (fc-list shows what is), or name another family in [fonts] of book.toml")


def _named_in(styles_dir: Path, family: str) -> SourceLocation | None:
    """The first stylesheet line that names `family`, as file:line:column."""
    for path in sorted(styles_dir.rglob("*.css")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if (column := line.find(family)) >= 0:
                return SourceLocation(path, number, column + 1)
    return None
