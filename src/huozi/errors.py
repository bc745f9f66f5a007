"""One error hierarchy: every expected failure says where (file:line) and what to do."""
from __future__ import annotations

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
