"""Print-edition layout time with the total-fit line breaker on and off (issue 16: at most 1.2x).

Run: .venv/bin/python bench/linebreak_time.py [--runs 3]

Times WeasyPrint's layout of the print edition's final HTML (figures placed, typeset), in one
process, alternating the two settings so that both see the same machine load; reports the median
CPU time of each (less sensitive than wall time to other processes on a shared machine).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--project", type=Path, default=ROOT)
    args = parser.parse_args()
    from final_html import final_html
    from huozi.config import load_config
    from huozi.editions import EDITIONS
    from huozi.pdf.variants import pdf_options
    from huozi.pdf.weasy_patch import cjk_layout
    from huozi.pdf.writer import render_document

    html = final_html(args.project)["print"]
    options = pdf_options(load_config(args.project), EDITIONS["print"], 0)
    render_document(html, options)  # warm the font caches
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.runs):
        for total_fit in (False, True):
            with cjk_layout(total_fit=total_fit):
                start = time.process_time()
                render_document(html, options)
                times[total_fit].append(time.process_time() - start)
    greedy, total = statistics.median(times[False]), statistics.median(times[True])
    print(f"print layout, CPU s (median of {args.runs}): greedy {greedy:.3f}, total fit {total:.3f}, "
          f"ratio {total / greedy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
