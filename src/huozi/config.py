"""Book configuration: `book.toml` read once into frozen dataclasses; unknown keys are errors."""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError, SourceLocation

CONFIG_NAME = "book.toml"


@dataclass(frozen=True)
class BookMeta:
    """What the book is: its title and package metadata."""

    title: str
    slug: str
    identifier: str
    language: str = "zh-CN"
    subtitle: str = ""
    publisher: str = ""
    date: str = ""
    creators: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintOptions:
    """Trim size, bleed, marks and output intent of the print edition (lengths in CSS units)."""

    # 大32开 (140 × 203 mm): the 850 × 1168 mm sheet (GB/T 788) cut in 32 and trimmed.
    trim: str = "140mm 203mm"
    # Printers ask for 3 mm beyond the trim on every side, cut away after printing.
    bleed: str = "3mm"
    # Crop and registration marks, drawn outside the bleed on a larger sheet.
    marks: bool = True
    # The CMYK ICC profile of the press, embedded as the PDF/X output intent; a relative path is
    # read from the project folder. Ghostscript's SWOP profile (Debian libgs-common) by default:
    # replace it with the printer's own (FOGRA39, Japan Color 2001 Coated …) when they send one.
    output_profile: str = "/usr/share/color/icc/ghostscript/default_cmyk.icc"

    @property
    def bleed_pt(self) -> float:
        return css_length_pt(self.bleed)

    @property
    def sheet_bleed(self) -> str:
        """CSS `bleed` of the sheet: the bleed, plus room for the marks outside it.

        WeasyPrint draws crop marks over the outer half of the CSS bleed, so a sheet that
        reaches MARKS_ROOM beyond the bleed keeps the marks clear of the 3 mm the press cuts into.
        """
        extra = css_length_pt(MARKS_ROOM) if self.marks else 0.0
        return f"{self.bleed_pt + extra:.3f}pt"


# Room beyond the bleed for crop and registration marks (the marks start 6 mm from the trim).
MARKS_ROOM = "9mm"

_PT_PER_UNIT = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0, "px": 0.75,
                "q": 72 / 25.4 / 4}


def css_length_pt(text: str) -> float:
    """An absolute CSS length ("3mm", "0.5in", "0") in PDF points; ValueError otherwise."""
    raw = text.strip().lower()
    if raw == "0":
        return 0.0
    for unit, factor in _PT_PER_UNIT.items():
        if raw.endswith(unit):
            number = float(raw[: -len(unit)])
            if number < 0:
                raise ValueError(f"negative length {text!r}")
            return number * factor
    raise ValueError(f"not an absolute CSS length: {text!r}")


def _check_print(path: Path, text: str, options: PrintOptions) -> None:
    """Trim and bleed must be lengths the PDF writer can place boxes with."""
    trim = options.trim.split()
    try:
        if len(trim) != 2:
            raise ValueError(options.trim)
        for part in trim:
            css_length_pt(part)
    except ValueError:
        raise ConfigError(f"'print.trim' must be a width and a height, not {options.trim!r}",
                          SourceLocation(path, _key_line(text, "trim")),
                          'write trim = "140mm 203mm" (大32开)') from None
    try:
        bleed = css_length_pt(options.bleed)
    except ValueError:
        bleed = -1.0
    if not 0 <= bleed <= css_length_pt(MARKS_ROOM):
        raise ConfigError(f"'print.bleed' must be a length from 0 to {MARKS_ROOM}, not {options.bleed!r}",
                          SourceLocation(path, _key_line(text, "bleed")),
                          'write bleed = "3mm", what printers ask for')


@dataclass(frozen=True)
class EpubOptions:
    """EPUB packaging switches."""

    embed_fonts: bool = True


@dataclass(frozen=True)
class TypographyOptions:
    """clreq options shared by the PDF editions."""

    # "basic" is clreq's recommended level; "strict" also keeps —— and …… off line starts.
    line_break: str = "basic"
    autospace: bool = True
    justify: bool = True


@dataclass(frozen=True)
class TocOptions:
    """How deep the contents, the PDF bookmarks and the EPUB nav go."""

    # 1: articles only; 2: and their ## sections; 3: and ### headings; up to 6.
    depth: int = 2


@dataclass(frozen=True)
class HeadingOptions:
    """Heading numbers the layout prints, so authors need not type them."""

    # "none", or "gb9704": 一、 （一） 1. （1） for ## to ##### (GB/T 9704-2012 §7.3.3).
    numbering: str = "none"


@dataclass(frozen=True)
class SecurityOptions:
    """What the build may reach beyond the project folder (nothing, by default)."""

    # Hosts whose http(s) URLs the PDF renderer may fetch, e.g. ["example.org"].
    allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole book configuration and where it came from."""

    root: Path
    path: Path
    book: BookMeta
    print: PrintOptions = PrintOptions()
    epub: EpubOptions = EpubOptions()
    typography: TypographyOptions = TypographyOptions()
    security: SecurityOptions = SecurityOptions()
    toc: TocOptions = TocOptions()
    headings: HeadingOptions = HeadingOptions()

    @property
    def manuscript_dir(self) -> Path:
        return self.root / "manuscript"

    @property
    def styles_dir(self) -> Path:
        return self.root / "styles"

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures"


_SECTIONS: dict[str, type] = {
    "book": BookMeta,
    "print": PrintOptions,
    "epub": EpubOptions,
    "typography": TypographyOptions,
    "security": SecurityOptions,
    "toc": TocOptions,
    "headings": HeadingOptions,
}


def _key_line(text: str, key: str, section: str | None = None) -> int | None:
    """Line of the first `key =` or `[key]` in the TOML text (under `[section]` if given)."""
    inside = section is None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if section is not None and line.startswith("["):
            inside = line == f"[{section}]"
            if line == f"[{key}]" and not inside:
                continue
        if not inside:
            continue
        if line.startswith(f"{key} ") or line.startswith(f"{key}=") or line == f"[{key}]":
            return number
    return None


def _section_of(key_path: str) -> str | None:
    return key_path.rpartition(".")[0] or None


def _unknown(path: Path, text: str, key_path: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"
    line = _key_line(text, key, _section_of(key_path))
    return ConfigError(f"unknown key '{key_path}'", SourceLocation(path, line), hint)


def _coerce(path: Path, text: str, key_path: str, key: str, value: Any, expected: Any) -> Any:
    kind = str(expected)
    if "tuple" in kind:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        wanted = "a list of strings"
    elif "bool" in kind:
        if isinstance(value, bool):
            return value
        wanted = "true or false"
    elif "int" in kind:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        wanted = "a whole number"
    else:
        if isinstance(value, str):
            return value
        wanted = "a string"
    raise ConfigError(
        f"'{key_path}' must be {wanted}, not {type(value).__name__} {value!r}",
        SourceLocation(path, _key_line(text, key, _section_of(key_path))),
        f"write {key} = " + ('"…"' if wanted == "a string" else "…"),
    )


def _section(path: Path, text: str, name: str, raw: Any) -> Any:
    cls = _SECTIONS[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"'{name}' must be a table", SourceLocation(path, _key_line(text, name)),
                          f"write [{name}] on its own line, then its keys one per line")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise _unknown(path, text, f"{name}.{key}", key, list(known))
        values[key] = _coerce(path, text, f"{name}.{key}", key, value, known[key].type)
    try:
        return cls(**values)
    except TypeError:
        missing = [k for k, f in known.items() if k not in values
                   and f.default is MISSING and f.default_factory is MISSING]
        raise ConfigError(
            f"[{name}] lacks required keys: {', '.join(missing)}",
            SourceLocation(path, _key_line(text, name)),
            f"add them under [{name}]",
        ) from None


def load_config(root: Path) -> Config:
    """Read and validate `book.toml` in the project folder `root`."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"no {CONFIG_NAME} in {root}", SourceLocation(path),
            "run huozi in a book project folder, or create one with 'huozi new DIR'",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("file is not UTF-8 text", SourceLocation(path, raw[: exc.start].count(b"\n") + 1),
                          "save book.toml as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the message.
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", str(exc))
        raise ConfigError(f"not valid TOML: {message}", SourceLocation(path, line, column),
                          'TOML is "key = value" lines under [table] headers; strings in "quotes"') from None
    sections = {}
    for name, raw in data.items():
        if name not in _SECTIONS:
            raise _unknown(path, text, name, name, list(_SECTIONS))
        sections[name] = _section(path, text, name, raw)
    if "book" not in sections:
        raise ConfigError("the [book] table is missing", SourceLocation(path, 1),
                          "add [book] with title, slug and identifier")
    if "print" in sections:
        _check_print(path, text, sections["print"])
    if "toc" in sections and not 1 <= sections["toc"].depth <= 6:
        raise ConfigError(f"toc.depth must be 1 to 6, not {sections['toc'].depth}",
                          SourceLocation(path, _key_line(text, "depth", "toc")),
                          "write depth = 2 (articles and their ## sections)")
    if "headings" in sections and sections["headings"].numbering not in ("none", "gb9704"):
        raise ConfigError(f"headings.numbering must be \"none\" or \"gb9704\", not {sections['headings'].numbering!r}",
                          SourceLocation(path, _key_line(text, "numbering", "headings")),
                          'write numbering = "gb9704" for 一、（一）1.（1）, or "none"')
    return Config(root=root, path=path, **sections)
