"""What a check finds: Findings, and the CheckRun of one check on one subject."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import SourceLocation


@dataclass(frozen=True)
class Finding:
    """One problem a check found; errors fail `huozi check`, warnings only with --strict."""

    check: str
    level: str  # "error", "warning", or "note" (a check that could not run and why, or a measurement: fails nothing)
    message: str
    where: SourceLocation | None = None
    # A note saying the check could not run at all (its tool is not installed): JUnit's <skipped>.
    not_run: bool = False

    def __str__(self) -> str:
        return self.display()

    def display(self, cwd: Path | None = None) -> str:
        """`where: level: [check] message`, the file relative to `cwd` when it lies inside it."""
        place = f"{self.where.display(cwd)}: " if self.where else ""
        return f"{place}{self.level}: [{self.check}] {self.message}"


@dataclass(frozen=True)
class CheckRun:
    """One check of one subject (an output file, or the manuscript) and all it found."""

    check: str
    subject: Path
    findings: tuple[Finding, ...]

    @property
    def not_run(self) -> Finding | None:
        """The note saying why the check could not run, if it could not."""
        return next((f for f in self.findings if f.not_run), None)


Check = Callable[[Config, Path], list[Finding]]
