"""Rebuild on save: watch the sources, call back after each batch of changes."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .config import load_config


def watched_paths(project: Path) -> list[Path]:
    """The sources of a book; never the output folder, or each build would trigger the next."""
    config = load_config(project)
    return [p for p in (config.path, config.manuscript_dir, config.styles_dir, config.figures_dir) if p.exists()]


def watch_and_build(project: Path, rebuild: Callable[[], None], stop_event=None) -> None:
    """Build once, then again after every change, until interrupted (or `stop_event` is set)."""
    from watchfiles import watch

    rebuild()
    for _changes in watch(*watched_paths(project), stop_event=stop_event,
                          watch_filter=lambda change, path: "/." not in path):
        rebuild()
