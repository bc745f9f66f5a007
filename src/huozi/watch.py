"""Rebuild on save: watch the sources, call back after each batch of changes."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .config import Config, load_config
from .errors import ConfigError, SourceLocation

# How often the watcher wakes when nothing changed (to notice `stop_event`), in milliseconds.
_TICK_MS = 200


def source_dirs(config: Config) -> list[Path]:
    return [config.manuscript_dir, config.styles_dir, config.figures_dir]


def check_out_dir(config: Config, out_dir: Path) -> None:
    """The output folder must not lie inside the sources: every build would change them, so the
    editions would never be up to date and `watch` would rebuild without end."""
    real = out_dir.resolve()
    for folder in source_dirs(config):
        if real.is_relative_to(folder.resolve()):
            raise ConfigError(f"the output folder {out_dir} is inside the book's sources ({folder.name}/)",
                              SourceLocation(out_dir),
                              f"choose a folder outside {folder.name}/, e.g. --out {config.root / 'dist'}")


def watched_paths(project: Path) -> list[Path]:
    """The sources of a book; never the output folder, or each build would trigger the next."""
    config = load_config(project)
    return [p for p in [config.path, *source_dirs(config)] if p.exists()]


def watch_and_build(project: Path, rebuild: Callable[[], None], stop_event: threading.Event | None = None,
                    out: Path | None = None) -> None:
    """Build once, then again after every change, until interrupted (or `stop_event` is set).

    The watcher starts before the first build, so a file saved while it runs is rebuilt after.
    """
    from watchfiles import watch

    if out is not None:
        check_out_dir(load_config(project), Path(out))
    changes = watch(*watched_paths(project), stop_event=stop_event, yield_on_timeout=True,
                    rust_timeout=_TICK_MS, watch_filter=lambda change, path: "/." not in path)
    if next(changes, None) is None:  # stopped before it began
        return
    rebuild()
    for batch in changes:
        if batch:
            rebuild()
