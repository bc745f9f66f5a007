"""The final HTML of each PDF edition, for the benchmark's WeasyPrint-only floor."""
from __future__ import annotations

from pathlib import Path

from .config import load_config
from .layout.render import EDITIONS, render_edition
from .manuscript import parse_manuscript


def final_html(project: Path) -> dict[str, str]:
    """Edition name -> the HTML string the pipeline passes to WeasyPrint."""
    config = load_config(project)
    manuscript = parse_manuscript(config.manuscript_dir)
    return {e.name: render_edition(config, manuscript, e) for e in EDITIONS.values() if e.kind == "pdf"}
