"""Progress events and warnings: what the library tells its caller instead of printing."""
from __future__ import annotations

import time
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


def _silent(event: StageEvent) -> None:
    """No one listens for stage starts."""


# Where a stage's start is announced: the build in this process, or a queue to it from a worker.
_announce: list[Progress] = [_silent]


def announce_to(progress: Progress | None) -> Progress:
    """Send stage starts to `progress` from now on (None: to no one); returns the previous listener."""
    previous = _announce[0]
    _announce[0] = progress or _silent
    return previous


class Stopwatch:
    """The time of each stage of one edition; each stage's start is announced as it begins."""

    def __init__(self, edition: str) -> None:
        self.edition = edition
        self.timings: list[StageEvent] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        _announce[0](StageEvent(name, self.edition, "start"))
        start = time.perf_counter()
        yield
        self.timings.append(StageEvent(name, self.edition, "done", time.perf_counter() - start))
        _announce[0](self.timings[-1])
