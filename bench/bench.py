"""Benchmark huozi against its floor: WeasyPrint alone rendering the same final HTML.

Run: .venv/bin/python bench/bench.py [--runs 5] [--scales 10 50] [--json out.json]

Each measurement is a fresh process (as a user runs it), timed by wall clock; medians are reported,
with ratios to the floor measured in the same run on the same machine, so the numbers compare
across machines. Peak RSS is the largest of the build process and its workers.
"""
from __future__ import annotations

import argparse
import json
import re
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1590710400", "CI": "true"}

# Runs huozi's CLI in-process and reports the peak RSS (KiB) of itself and its worker processes.
RUN_HUOZI = """
import resource, sys
from huozi.cli import main
code = main(sys.argv[1:])
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"PEAK_RSS_KIB {peak}", file=sys.stderr)
sys.exit(code)
"""

# The floor: import WeasyPrint and render one HTML file to PDF, nothing else.
RUN_FLOOR = """
import sys, weasyprint
html, base, target = sys.argv[1:4]
weasyprint.HTML(string=open(html, encoding="utf-8").read(), base_url=base).write_pdf(target)
"""


def timed(argv: list[str]) -> tuple[float, int]:
    """Wall time of one process, and the peak RSS it reported (0 if none)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=ENV, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(argv)}\n{proc.stderr[-2000:]}")
    rss = next((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KIB")), 0)
    return seconds, rss


def huozi(project: Path, out: Path, *extra: str) -> tuple[float, int]:
    return timed([PY, "-c", RUN_HUOZI, "build", str(project), "--out", str(out), "--quiet", *extra])


def copy_project(target: Path, scale: int = 1) -> Path:
    """A copy of the book; with scale > 1 its articles are repeated `scale` times."""
    target.mkdir(parents=True)
    for name in ("book.toml", "styles", "figures"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name)
    shutil.copytree(ROOT / "manuscript", target / "manuscript")
    sources = sorted((ROOT / "manuscript").glob("*.md"))
    # Copies after the first drop their figure directives: a figure is placed once in a book.
    for copy in range(1, scale):
        for number, path in enumerate(sources):
            order = copy * len(sources) + number + 1
            text = re.sub(r"^::: figure \S+\n:::\n", "", path.read_text(encoding="utf-8"), flags=re.M)
            text = re.sub(r"^order: \d+$", f"order: {order}", text, count=1, flags=re.M)
            (target / "manuscript" / f"{order:03d}-{path.stem.split('-', 1)[-1]}-{copy}.md").write_text(
                text, encoding="utf-8")
    return target


def clear_caches(project: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(project / ".huozi-cache", ignore_errors=True)


def final_html(project: Path, work: Path) -> dict[str, Path]:
    """The HTML huozi hands to WeasyPrint for each PDF edition (written once, untimed)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from huozi.benchsupport import final_html\n"
        "for name, html in final_html(Path(sys.argv[1])).items():\n"
        "    Path(sys.argv[2], name + '.html').write_text(html, encoding='utf-8')\n"
    )
    subprocess.run([PY, "-c", code, str(project), str(work)], check=True, env=ENV)
    return {p.stem: p for p in work.glob("*.html")}


def median_of(runs: int, step) -> tuple[float, int]:
    results = [step() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def edit_one_paragraph(project: Path) -> None:
    """Toggle one word in one paragraph, so every call is a real edit."""
    path = sorted((project / "manuscript").glob("*.md"))[-1]
    text = path.read_text(encoding="utf-8")
    before, after = ("点亮一盏灯", "点燃一盏灯") if "点亮一盏灯" in text else ("点燃一盏灯", "点亮一盏灯")
    path.write_text(text.replace(before, after, 1), encoding="utf-8")


def measure(runs: int, scales: list[int]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="huozi-bench-"))
    try:
        project = copy_project(work / "book")
        out = work / "dist"
        styles = project / "styles"
        html = final_html(project, work)
        floors = {}
        for name, path in sorted(html.items()):
            floors[name], _ = median_of(runs, lambda p=path: timed(
                [PY, "-c", RUN_FLOOR, str(p), str(styles) + "/", str(work / f"floor-{p.stem}.pdf")]))

        def cold():
            clear_caches(project, out)
            return huozi(project, out)

        cold_s, cold_rss = median_of(runs, cold)
        noop_s, _ = median_of(runs, lambda: huozi(project, out))
        def edited():
            edit_one_paragraph(project)
            return huozi(project, out)

        edit_s, _ = median_of(runs, edited)
        scaling = []
        for scale in scales:
            big = copy_project(work / f"book{scale}", scale)
            seconds, rss = huozi(big, work / f"dist{scale}")
            scaling.append({"scale": scale, "seconds": round(seconds, 2), "peak_rss_mb": round(rss / 1024, 1)})
        result = {
            "runs": runs,
            "cores": os.cpu_count(),
            "floor_seconds": {k: round(v, 3) for k, v in floors.items()},
            "cold_build_seconds": round(cold_s, 3),
            "cold_build_peak_rss_mb": round(cold_rss / 1024, 1),
            "noop_rebuild_seconds": round(noop_s, 3),
            "edit_rebuild_seconds": round(edit_s, 3),
            "ratio_cold_to_sum_of_floors": round(cold_s / sum(floors.values()), 3),
            "ratio_edit_to_slowest_floor": round(edit_s / max(floors.values()), 3),
            "scaling": [{"scale": 1, "seconds": round(cold_s, 2), "peak_rss_mb": round(cold_rss / 1024, 1)}] + scaling,
        }
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result = measure(args.runs, args.scales)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
