"""The final HTML of each paged edition, as huozi's layout API lays it out (for the benchmark's
WeasyPrint-only floor). Outside the package: benchmark code is not an input of any edition."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from huozi.config import load_config
from huozi.editions import EDITIONS, paged_editions
from huozi.figures import render_figures
from huozi.manuscript import parse_manuscript
from huozi.pdf.layout import lay_out
from huozi.pipeline import build_epoch


def final_html(project: Path) -> dict[str, str]:
    """Edition name -> the HTML string the pipeline passes to WeasyPrint (figures placed, typeset)."""
    config = load_config(project)
    manuscript = parse_manuscript(config.manuscript_dir)
    figures = render_figures(config.root, config.figures_dir, manuscript)
    epoch = build_epoch(config, os.environ)
    return {name: lay_out(config, manuscript, EDITIONS[name], figures, epoch=epoch).html for name in paged_editions()}


if __name__ == "__main__":  # final_html.py PROJECT FOLDER: writes FOLDER/EDITION.html
    for name, html in final_html(Path(sys.argv[1])).items():
        Path(sys.argv[2], name + ".html").write_text(html, encoding="utf-8")
