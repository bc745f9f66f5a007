"""The final HTML of each PDF edition, for the benchmark's WeasyPrint-only floor."""
from __future__ import annotations

import os
from pathlib import Path

from .config import load_config
from .editions import EDITIONS
from .figures import render_figures
from .manuscript import parse_manuscript
from .pdf.variants import pdf_options
from .pdf.weasy_patch import cjk_layout_for
from .pipeline import build_epoch, pdf_html


def final_html(project: Path) -> dict[str, str]:
    """Edition name -> the HTML string the pipeline passes to WeasyPrint (figures placed, typeset)."""
    config = load_config(project)
    manuscript = parse_manuscript(config.manuscript_dir)
    figures = render_figures(config.root, config.figures_dir, manuscript)
    epoch = build_epoch(config, os.environ)
    html = {}
    for edition in (e for e in EDITIONS.values() if e.kind == "pdf"):
        with cjk_layout_for(config.typography):
            html[edition.name] = pdf_html(config, manuscript, edition, figures,
                                          pdf_options(config, edition.name, epoch))
    return html
