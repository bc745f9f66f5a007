"""`huozi check`'s runner: each output's checks, from its row of the editions table (editions.py)."""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..config import Config
from ..editions import EDITIONS, load
from ..errors import SourceLocation
from .findings import Check, CheckRun, Finding

__all__ = ["Check", "CheckRun", "Finding", "check_outputs", "run_checks"]


def checks_of(edition: str) -> list[tuple[str, Check]]:
    """The checks of one edition, by the name their Findings carry (so a check that found nothing is
    still named), imported now."""
    return [(name, load(reference)) for name, reference in EDITIONS[edition].checks]


def _run(check: Check, name: str, config: Config, path: Path) -> tuple[Finding, ...]:
    try:
        return tuple(check(config, path))
    except Exception as exc:  # a damaged file: qpdf says how; this check cannot run at all
        if type(exc).__module__.split(".")[0] != "pikepdf":
            raise
        return (Finding(name, "error", f"cannot read the file: {exc}", SourceLocation(path)),)


def run_checks(config: Config, outputs: dict[str, Path]) -> list[CheckRun]:
    """Run every check that applies to each output (edition name -> file), one CheckRun each.

    The checks run side by side (most wait for a validator's process: EPUBCheck's JVM, Ace's
    Node), and their runs are returned in the table's order whatever order they finish in.
    """
    from .images import check_alt_text

    runs: list[CheckRun | tuple[str, Path, Future[tuple[Finding, ...]]]] = []
    if outputs:  # the manuscript's, once for the book: every image described
        runs.append(CheckRun("images", config.manuscript_dir,
                             tuple(check_alt_text(config, next(iter(outputs.values()))))))
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        for edition, path in sorted(outputs.items()):
            if not (path.is_dir() if EDITIONS[edition].folder else path.is_file()):
                runs.append(CheckRun("exists", path, (Finding("exists", "error", f"{edition} output is missing; "
                                                              "run huozi build first", SourceLocation(path)),)))
                continue
            for name, check in checks_of(edition):
                runs.append((name, path, pool.submit(_run, check, name, config, path)))
        return [run if isinstance(run, CheckRun) else CheckRun(run[0], run[1], run[2].result()) for run in runs]


def check_outputs(config: Config, outputs: dict[str, Path]) -> list[Finding]:
    """Every Finding of `run_checks`, in order."""
    return [finding for run in run_checks(config, outputs) for finding in run.findings]
