"""Find the CJK fonts through fontconfig; never let a build fall back to empty boxes."""
from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .errors import FontError, SourceLocation, locate

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
# The default families of code and quotations ([fonts] mono and quote).
MONO = "Noto Sans Mono CJK SC"
QUOTE = "AR PL UKai CN"
DEBIAN_PACKAGE = "fonts-noto-cjk"


@dataclass(frozen=True)
class FontFile:
    """One installed face: family name, style and the file that holds it (.ttc index aside)."""

    family: str
    style: str
    path: Path


def _fc_list(family: str) -> list[FontFile]:
    import subprocess  # only when the lookup cache does not answer

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


# Faces found in this process (fontconfig is asked once per face), or read from the lookup cache;
# forgotten when fontconfig's state changes under a long-lived process (huozi watch, preview).
_FOUND: dict[tuple[str, str], FontFile] = {}
_FOUND_UNDER: list[Any] = []   # the fontconfig_stamp() _FOUND was filled under


def find_font(family: str, style: str = "Regular") -> FontFile:
    """The installed face of `family` in `style`, or a FontError naming the Debian package."""
    if (family, style) in _FOUND:
        return _FOUND[family, style]
    faces = _fc_list(family)
    for face in faces:
        if face.style == style:
            _FOUND[family, style] = face
            return face
    raise FontError(
        f"the font '{family}' ({style}) is not installed",
        hint=f"install the Debian package {DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE})",
    )


def fontconfig_stamp() -> list[Any]:
    """What fontconfig's answer depends on: its configuration, its caches and the font folders.

    Installing or removing fonts changes these folders' mtimes (Debian's font packages run
    fc-cache), and editing the configuration changes its files'; the environment variables
    point fontconfig at other configurations.
    """
    env, paths = _fontconfig_places()
    stamp: list[Any] = [env]
    for path in paths:
        try:
            stamp.append([str(path), path.stat().st_mtime_ns])
        except OSError:
            stamp.append([str(path), None])
    return stamp


def fontconfig_inputs() -> list[Path]:
    """The files and folders whose mtimes fontconfig_stamp reads."""
    return _fontconfig_places()[1]


def _fontconfig_places() -> tuple[list[str], list[Path]]:
    home = Path(os.environ.get("HOME", "/nonexistent"))
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    env = [os.environ.get(name, "") for name in ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")]
    paths = [Path(env[0] or "/etc/fonts/fonts.conf"), Path(env[1] or "/etc/fonts") / "conf.d",
             Path("/var/cache/fontconfig"), cache_home / "fontconfig", Path("/usr/share/fonts"),
             Path("/usr/local/share/fonts"), home / ".fonts", data_home / "fonts"]
    return env, paths


def _read_stamped(cache_file: Path, stamp: list[Any]) -> dict[str, Any] | None:
    """A cache file of fontconfig's answers, when it was written under fontconfig's state `stamp`."""
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("stamp") == stamp else None


def _write_stamped(cache_file: Path, stamp: list[Any], data: dict[str, Any]) -> None:
    from .output import write_bytes_atomic

    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cache_file, json.dumps({"stamp": stamp, **data}, indent=1).encode())
    except OSError:
        pass  # a read-only project: fontconfig is asked again next time


def _cached_faces(cache_file: Path, stamp: list[Any], wanted: list[tuple[str, str]]) -> tuple[FontFile, ...] | None:
    data = _read_stamped(cache_file, stamp)
    if data is None:
        return None
    try:
        faces = tuple(FontFile(family, style, Path(data["faces"][f"{family}:{style}"])) for family, style in wanted)
    except (KeyError, TypeError):   # a damaged cache
        return None
    return faces if all(face.path.is_file() for face in faces) else None


ANY_STYLE = "*"  # in a wanted (family, style): whichever face the family has, Regular first


def require_cjk_fonts(families: Sequence[str] = (SERIF, SANS), styles_dir: Path | None = None,
                      cache_file: Path | None = None, others: Sequence[str] = ()) -> tuple[FontFile, ...]:
    """Regular and Bold of each family the book is set in, and one face of each of `others`
    (code and quotations: a Kai face may have only "Book"); raises before any PDF is written.

    `families` is injectable so a caller (or a test) can require fonts other than Noto CJK;
    fontconfig itself is asked, so FONTCONFIG_FILE also changes what is found. With
    `styles_dir`, the error points at the stylesheet line that names the missing family.
    With `cache_file`, fontconfig's answer is kept there and reused while fontconfig's
    configuration, caches and font folders are unchanged (asking it costs ~50 ms a build).
    """
    wanted = [(family, style) for family in families for style in ("Regular", "Bold")]
    wanted += [(family, ANY_STYLE) for family in dict.fromkeys(others) if family not in families]
    stamp = fontconfig_stamp()
    if stamp != _FOUND_UNDER:              # fonts installed or removed since: ask fontconfig again
        _FOUND.clear()
        find_any.cache_clear()
        _FOUND_UNDER[:] = stamp
    if cache_file is not None and (faces := _cached_faces(cache_file, stamp, wanted)) is not None:
        _FOUND.update(((f.family, f.style), f) for f in faces)
        return faces
    try:
        faces = tuple(find_any(family) if style == ANY_STYLE else find_font(family, style)
                      for family, style in wanted)
    except FontError as exc:
        if styles_dir is None or exc.where is not None:
            raise
        family = exc.message.split("'")[1]
        raise FontError(exc.message, _named_in(styles_dir, family), exc.hint) from None
    if cache_file is not None:
        _write_stamped(cache_file, stamp, {"faces": {f"{family}:{style}": str(f.path)
                                                     for (family, style), f in zip(wanted, faces)}})
    return faces


@functools.cache
def find_any(family: str) -> FontFile:
    """The Regular face of `family`, else its first installed face, or a FontError."""
    faces = _fc_list(family)
    for face in faces:
        if face.style == "Regular":
            return face
    if faces:
        return faces[0]
    raise FontError(f"the font '{family}' is not installed",
                    hint="install it (fc-list shows what is), or name another family in [fonts] of book.toml")


def _named_in(styles_dir: Path, family: str) -> SourceLocation | None:
    """The first stylesheet line that names `family`, as file:line:column."""
    return locate(sorted(styles_dir.rglob("*.css")), family)


# --- every character has a glyph -------------------------------------------------------------------
# Behind Noto CJK the stylesheets name 花園明朝 A/B (fonts-hanazono: CJK extensions B–F, 𠀀 𪚥)
# and Noto Color Emoji (fonts-noto-color-emoji: emoji, flags); Pango falls back to any other
# installed font after them. A character that no installed font has would be drawn as an empty
# box (.notdef) and extracted as text that nobody sees: the build stops at it instead.
FALLBACK_PACKAGES = "fonts-hanazono fonts-noto-color-emoji"


# The installed fonts' coverage, with the fontconfig_stamp() it was read under (long-lived processes).
_COVERAGE: list[Any] = [None, None]


def installed_coverage(cache_file: Path | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The code points some installed font has, as sorted, merged (starts, ends) ranges.

    Kept in memory, and in `cache_file` when given, while fontconfig's configuration, caches and
    font folders are unchanged (as the font lookup is): asking fc-list for every font's charset
    and merging them took 0.3 s of every build.
    """
    stamp = fontconfig_stamp()
    if _COVERAGE[0] == stamp:
        return cast("tuple[tuple[int, ...], tuple[int, ...]]", _COVERAGE[1])
    coverage = _cached_coverage(cache_file, stamp) if cache_file is not None else None
    if coverage is None:
        coverage = _fc_coverage()
        if cache_file is not None:
            _write_stamped(cache_file, stamp, {"starts": coverage[0], "ends": coverage[1]})
    _COVERAGE[:] = [stamp, coverage]
    return coverage


def _cached_coverage(cache_file: Path, stamp: list[Any]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    data = _read_stamped(cache_file, stamp)
    if data is None:
        return None
    try:
        starts, ends = tuple(data["starts"]), tuple(data["ends"])
    except (KeyError, TypeError):   # a damaged cache
        return None
    if len(starts) != len(ends) or not all(isinstance(n, int) for n in starts + ends):
        return None
    return starts, ends


def _fc_coverage() -> tuple[tuple[int, ...], tuple[int, ...]]:
    import subprocess  # only on a build that lays something out

    if shutil.which("fc-list") is None:
        raise FontError("fontconfig (fc-list) is not installed", hint="apt-get install fontconfig")
    out = subprocess.run(["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True,
                         check=False).stdout
    ranges: list[tuple[int, int]] = []
    for item in set(out.split()):   # the fonts of a family share their ranges: 90k items, 8k distinct
        start, _, end = item.partition("-")
        ranges.append((int(start, 16), int(end or start, 16)))
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple(m[0] for m in merged), tuple(m[1] for m in merged)


def _needs_glyph(char: str) -> bool:
    """Characters that are drawn; controls, format characters (ZWJ, emoji tags), spaces and
    variation selectors are not (they change how their neighbours are drawn)."""
    import unicodedata

    code = ord(char)
    if char.isspace() or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def check_coverage(paths: Sequence[Path], cache_file: Path | None = None) -> None:
    """A FontError at the first character of these files that no installed font can draw
    (`cache_file`: where installed_coverage keeps the fonts' coverage)."""
    import bisect
    import unicodedata

    from .sources import read_text

    starts, ends = installed_coverage(cache_file)
    for path in paths:
        text = read_text(path, FontError)
        for char in sorted(set(text) - set(map(chr, range(0x20, 0x7F)))):
            index = bisect.bisect_right(starts, ord(char)) - 1
            if not _needs_glyph(char) or (index >= 0 and ord(char) <= ends[index]):
                continue
            offset = text.index(char)
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            name = unicodedata.name(char, "unnamed")
            raise FontError(f"no installed font has the character “{char}” (U+{ord(char):04X} {name}): "
                            "it would print as an empty box", SourceLocation(path, line, column),
                            f"replace it, or install a font that has it (fc-list ':charset={ord(char):x}' "
                            "lists the fonts that do)")
