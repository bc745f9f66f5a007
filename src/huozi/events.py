"""Progress events and warnings: what the library tells its caller instead of printing."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import SourceLocation


@dataclass(frozen=True)
class StageEvent:
    """A stage of an edition started, finished or was skipped."""

    stage: str
    edition: str
    # "start", "done", "skip", "wait" (for another build into the same folder) or "progress" (a
    # long stage still running: `seconds` so far)
    status: str
    seconds: float = 0.0


@dataclass(frozen=True)
class BuildWarning:
    """A problem that did not stop the build, with where it comes from when known."""

    message: str
    where: SourceLocation | None = None
    edition: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


Progress = Callable[[StageEvent], None]


@contextmanager
def collect_warnings(logger_name: str, edition: str) -> Iterator[list[BuildWarning]]:
    """Gather a library's logged warnings (WeasyPrint's CSS and font notices) as BuildWarnings."""
    import logging  # here, not at the top: a build with nothing to do never logs

    class _Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.found: list[BuildWarning] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.found.append(BuildWarning(record.getMessage(), edition=edition))

    logger = logging.getLogger(logger_name)
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler.found
    finally:
        logger.removeHandler(handler)
