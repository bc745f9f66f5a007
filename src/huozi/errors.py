"""One error hierarchy: every expected failure says where (file:line) and what to do."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceLocation:
    """A place in a user's file; line and column are 1-based, None when unknown."""

    path: Path
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.display()

    def display(self, cwd: Path | None = None) -> str:
        """`file:line:column`, with the file relative to `cwd` when it lies inside it."""
        text = str(self.path)
        if cwd is not None and self.path.is_absolute() and self.path.is_relative_to(cwd):
            text = str(self.path.relative_to(cwd)) or "."
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class HuoziError(Exception):
    """An expected failure caused by the user's input or environment."""

    exit_code = 1

    def __init__(self, message: str, where: SourceLocation | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return self.display()

    def display(self, cwd: Path | None = None) -> str:
        """The message as the command line prints it: `where: what` and an indented hint."""
        text = f"{self.where.display(cwd)}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(HuoziError):
    """The book's configuration file is missing, malformed or wrong."""


class ManuscriptError(HuoziError):
    """A manuscript file cannot be read or parsed."""


class FigureError(HuoziError):
    """A figure or a fact does not match the data or the manuscript."""


class TemplateError(HuoziError):
    """A layout template or stylesheet is broken."""


class FontError(HuoziError):
    """A required font is not installed."""


class OutputError(HuoziError):
    """An output cannot be written."""


class CheckError(HuoziError):
    """A post-build check found a defect in an output."""


# --- the two helpers every message uses ------------------------------------------------------

def line_of(text: str, found: str | Callable[[str], bool]) -> int | None:
    """The 1-based number of the first line of `text` that `found` accepts (a str: a line whose
    text, stripped, starts with it), None when none does."""
    accepts = found if callable(found) else (lambda line: line.strip().startswith(found))
    return next((number for number, line in enumerate(text.split("\n"), 1) if accepts(line)), None)


def locate(paths: Path | Iterable[Path], needle: str) -> SourceLocation | None:
    """The first place (file:line:column) where `needle` is written in `paths`, in order; files that
    cannot be read as UTF-8 are passed over."""
    for path in [paths] if isinstance(paths, Path) else paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if (column := line.find(needle)) >= 0:
                return SourceLocation(path, number, column + 1)
    return None


def did_you_mean(word: str, known: Iterable[str], quotes: str = "''") -> str | None:
    """"did you mean 'x'?" for the known name closest to `word`, None when none is close."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"did you mean {quotes[0]}{close[0]}{quotes[-1]}?" if close else None
