"""Book configuration: `book.toml` read once into frozen dataclasses; unknown keys are errors."""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, fields
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
    """Trim size and bleed of the print edition (CSS lengths)."""

    trim: str = "140mm 203mm"
    bleed: str = "3mm"


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
class Config:
    """The whole book configuration and where it came from."""

    root: Path
    path: Path
    book: BookMeta
    print: PrintOptions = PrintOptions()
    epub: EpubOptions = EpubOptions()
    typography: TypographyOptions = TypographyOptions()

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
}


def _key_line(text: str, key: str) -> int | None:
    """Line of the first `key =` or `[key]` in the TOML text, for messages."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(f"{key} ") or line.startswith(f"{key}=") or line == f"[{key}]":
            return number
    return None


def _unknown(path: Path, text: str, key_path: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"
    return ConfigError(f"unknown key '{key_path}'", SourceLocation(path, _key_line(text, key)), hint)


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
    else:
        if isinstance(value, str):
            return value
        wanted = "a string"
    raise ConfigError(
        f"'{key_path}' must be {wanted}, not {type(value).__name__} {value!r}",
        SourceLocation(path, _key_line(text, key)),
        f"write {key} = " + ('"…"' if wanted == "a string" else "…"),
    )


def _section(path: Path, text: str, name: str, raw: Any) -> Any:
    cls = _SECTIONS[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"'{name}' must be a table", SourceLocation(path, _key_line(text, name)))
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise _unknown(path, text, f"{name}.{key}", key, list(known))
        values[key] = _coerce(path, text, f"{name}.{key}", key, value, known[key].type)
    try:
        return cls(**values)
    except TypeError:
        missing = [f for f in known if f not in values]
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
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not valid TOML: {exc}", SourceLocation(path, line)) from None
    sections = {}
    for name, raw in data.items():
        if name not in _SECTIONS:
            raise _unknown(path, text, name, name, list(_SECTIONS))
        sections[name] = _section(path, text, name, raw)
    if "book" not in sections:
        raise ConfigError("the [book] table is missing", SourceLocation(path, 1),
                          "add [book] with title, slug and identifier")
    return Config(root=root, path=path, **sections)
