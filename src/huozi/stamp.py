"""The no-op stamp's side of a build: its records, taken as the build goes, written when it has succeeded.

huozi.quick reads the stamp and says why an answer from it is sound; this module keeps the
promise it relies on: each path is recorded before the build reads it (book.toml before the
config, the sources, the theme and fontconfig's places before the fonts are looked up and the
keys hashed, the fonts before the keys read their size and mtime), and the stamp is written
after the last output, state and report, under the build's lock. The clock is read once, when
the records begin (`Recorder.since`), for quick.py's racy rule; it never reaches an output.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from .cache import tool_records
from .config import CONFIG_NAME, Config
from .errors import OutputError
from .output import write_bytes_atomic
from .quick import STAMP_NAME, Record, record, request, stamp, walk
from .report import REPORT_NAME, ReportOutput, report_bytes
from .state import STATE_NAME, code_records, watched_sources


class Recorder:
    """The stat records of one build, from its start (see the module's docstring for when)."""

    def __init__(self, project: Path) -> None:
        self.since = time.time_ns()
        self.records: dict[str, Record] = {}
        self.links: dict[str, str] = {}
        self.asked: tuple[str, list[str] | None, str | None] | None = None
        self.paths([project.resolve() / CONFIG_NAME])

    def paths(self, paths: Iterable[Path]) -> None:
        self.records.update((str(path), record(str(path))) for path in paths)

    def sources(self, config: Config) -> None:
        """The files and folders the inputs keys read (state.watched_sources)."""
        records, links = watched_sources(config)
        self.records.update(records)
        self.links.update(links)

    def ask(self, config: Config, editions: list[str] | None, environ: Mapping[str, str]) -> None:
        """What the build was asked (quick.request): `editions` as given (None: all), its date."""
        self.asked = (str(config.root), editions, environ.get("SOURCE_DATE_EPOCH"))

    def write(self, out_dir: Path, outputs: list[ReportOutput]) -> None:
        """The stamp of a build that has succeeded: run last, under the build's lock."""
        assert self.asked is not None
        root, editions, source_date_epoch = self.asked
        code_since, code = code_records()      # taken when the process first hashed them
        tools_since, tools, folders = tool_records()
        asked = request(root, str(out_dir), editions, source_date_epoch, folders)
        records = {**self.records, **code, **tools, str(out_dir / STATE_NAME): record(str(out_dir / STATE_NAME))}
        for output in outputs:
            if output.path.is_dir() and not output.path.is_symlink():   # a folder edition: all of it
                walk(str(output.path), records, hidden=True)
            else:
                records[str(output.path)] = record(str(output.path))
        noop = report_bytes(out_dir, [replace(o, rebuilt=False) for o in outputs], [], [])
        data = stamp(asked, min(self.since, code_since, tools_since), records, self.links,
                     [(o.edition, str(o.path), o.state.pages) for o in outputs],
                     (str(out_dir / REPORT_NAME), noop.decode()))
        try:
            write_bytes_atomic(out_dir / STAMP_NAME, data)
        except OutputError:
            pass  # no stamp: the next no-op build takes the normal path, that is all


def remove_stamp(out_dir: Path) -> None:
    """Before a build changes anything in `out_dir`: no stamp may vouch for outputs while they change."""
    (out_dir / STAMP_NAME).unlink(missing_ok=True)
