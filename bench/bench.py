"""Benchmark huozi against what a user would pick instead, in one run on one machine.

Run: .venv/bin/python bench/bench.py [--runs 5] [--scales 10 50] [--json out.json] [--markdown]
(needs Pandoc and Typst: `bash scripts/bootstrap.sh --bench` installs them)

The reference is Pandoc -> WeasyPrint making one PDF of the same manuscript (Pandoc's own HTML,
no clreq typesetting, no figures): every figure is also given as a ratio to it, measured in the
same run, so the ratios compare across machines where the seconds do not. Also measured: Typst on
bench/shanhai.typ (the same text by hand, bench/make_typ.py), WeasyPrint alone on huozi's final
HTML (huozi's floor), and `python -c pass` (the floor of any Python command).

Each measurement is a fresh process, as a user runs it, timed by wall clock, the median of
`--runs`, taken round by round (each measurement once a round); peak RSS is the largest resident
set of the process and every process it waited for (wait4), so Pandoc's WeasyPrint and huozi's
workers count. The edit under `huozi watch` is timed
from the save to the watch's summary line, all three editions written.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from huozi import quick
from huozi.cache import user_cache

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = sys.executable
HUOZI = [PY, "-m", "huozi"]
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1590710400", "CI": "true", "PYTHONUNBUFFERED": "1"}

# The floor: import WeasyPrint and render one HTML file to PDF, nothing else.
RUN_FLOOR = """
import sys, weasyprint
html, base, target = sys.argv[1:4]
weasyprint.HTML(string=open(html, encoding="utf-8").read(), base_url=base).write_pdf(target)
"""
RUN_TYPST = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])"


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, int, float]:
    """Wall seconds of one process; the peak RSS (KiB) of it and the processes it waited for; and
    the CPU seconds (user + system) of them all, which a shared host's drift moves less than the
    wall time (time stolen by the host is not counted)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=ENV, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"benchmark step failed: {' '.join(argv)}\n{err.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


Measured = tuple[float, int | None, float | None]   # wall seconds, peak RSS (KiB), CPU seconds


def summary_of(results: list[Measured]) -> dict:
    row: dict = {"seconds": round(statistics.median(r[0] for r in results), 3)}
    if all(r[1] is not None for r in results):
        row["peak_rss_mb"] = round(max(r[1] or 0 for r in results) / 1024, 1)
    if all(r[2] is not None for r in results):
        row["cpu_seconds"] = round(statistics.median(r[2] or 0.0 for r in results), 3)
    return row


# The three editions the baseline measured (handout, print, EPUB); the html edition, added
# since, has a row of its own.
THREE = ("--edition", "handout", "--edition", "print", "--edition", "epub")


def huozi_build(project: Path, out: Path, *extra: str) -> Measured:
    return timed([*HUOZI, "build", str(project), "--out", str(out), "--quiet", *extra])


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
    """As a fresh clone on a fresh machine: no output, no project cache, no compiled templates in
    the user's cache (the one thing huozi keeps outside the project)."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(project / ".huozi-cache", ignore_errors=True)
    shutil.rmtree(user_cache("templates"), ignore_errors=True)


def final_html(project: Path, work: Path) -> dict[str, Path]:
    """The HTML huozi hands to WeasyPrint for each PDF edition (written once, untimed)."""
    script = Path(__file__).resolve().parent / "final_html.py"
    subprocess.run([PY, str(script), str(project), str(work)], check=True, env=ENV)
    return {p.stem: p for p in work.glob("*.html")}


def edit_one_paragraph(project: Path) -> None:
    """Toggle one word in one paragraph, so every call is a real edit."""
    path = sorted((project / "manuscript").glob("*.md"))[-1]
    text = path.read_text(encoding="utf-8")
    before, after = ("点亮一盏灯", "点燃一盏灯") if "点亮一盏灯" in text else ("点燃一盏灯", "点亮一盏灯")
    path.write_text(text.replace(before, after, 1), encoding="utf-8")


def pandoc_weasyprint(project: Path, target: Path) -> list[str]:
    """What a Pandoc user runs: the manuscript files, CJK soft breaks, WeasyPrint as the PDF engine."""
    weasyprint = Path(PY).with_name("weasyprint")
    return ["pandoc", "-f", "markdown+east_asian_line_breaks", "-s", "-M", "lang=zh-CN",
            "-M", "title=山海", f"--pdf-engine={weasyprint}", "-o", str(target),
            *map(str, sorted((project / "manuscript").glob("*.md")))]


class Watch:
    """`huozi watch` in the background; `edit()` times one one-paragraph edit, from the save to the
    watch saying it rebuilt every edition."""

    def __init__(self, project: Path, out: Path) -> None:
        self.project = project
        self.proc = subprocess.Popen([*HUOZI, "watch", str(project), "--out", str(out), *THREE],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
        self.lines: queue.Queue[str] = queue.Queue()
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=lambda: [self.lines.put(line) for line in stdout], daemon=True).start()
        self.summary()                                            # the first build

    def summary(self, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if "edition(s) rebuilt" in line:
                return line

    def edit(self) -> Measured:
        time.sleep(0.5)                                           # the watch is idle again
        start = time.perf_counter()
        edit_one_paragraph(self.project)
        line = self.summary()
        seconds = time.perf_counter() - start
        if not line.startswith("3 of 3"):
            raise SystemExit(f"benchmark: the watch rebuilt less than every edition: {line}")
        return seconds, None, None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}"


def measure(runs: int, scales: list[int]) -> dict:
    if shutil.which("pandoc") is None:
        raise SystemExit("benchmark: pandoc is not installed; run: bash scripts/bootstrap.sh --bench")
    # Bytecode as a user's install has it (pip compiles an installed package; an editable one
    # writes it on first use unless PYTHONDONTWRITEBYTECODE is set, as in some CI images).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True, stdout=subprocess.DEVNULL,
                   env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="huozi-bench-"))
    try:
        project = copy_project(work / "book")
        out = work / "dist"
        styles = project / "styles"
        floors = sorted(final_html(project, work).items())

        def cold():
            clear_caches(project, out)
            measured = huozi_build(project, out, *THREE)
            huozi_build(project, out)   # the html edition too, so its cached fonts are warm for the rows after
            return measured

        def noop():
            # A stamp holding a file written under 2 s before it is not trusted (huozi.quick: git's
            # racy rule): the no-op right after a build takes the normal path and writes one that holds.
            time.sleep(quick.RACY_NS / 1e9 + 0.1)
            huozi_build(project, out)
            return huozi_build(project, out)

        watch = Watch(project, work / "watch-out")    # in the background, idle between its edits
        steps = [
            ("python -c pass", lambda: timed([PY, "-c", "pass"])),
            ("Pandoc → WeasyPrint, one PDF", lambda: timed(pandoc_weasyprint(project, work / "pandoc.pdf"))),
            ("Typst, one PDF", lambda: timed([PY, "-c", RUN_TYPST, str(BENCH / "shanhai.typ"), str(work / "typst.pdf")])),
            *((f"WeasyPrint alone, huozi's {name} HTML", lambda p=path: timed(
                [PY, "-c", RUN_FLOOR, str(p), str(styles) + "/", str(work / f"floor-{p.stem}.pdf")]))
              for name, path in floors),
            ("huozi, three editions, empty caches", cold),
            ("huozi, three editions, --force, warm caches", lambda: huozi_build(project, out, "--force", *THREE)),
            ("huozi, four editions (+ html), --force, warm caches", lambda: huozi_build(project, out, "--force")),
            ("huozi, no-op rebuild", noop),
            ("huozi watch, one-paragraph edit, three editions", watch.edit),
        ]
        # Round by round, each measurement once per round: a machine whose speed drifts over the
        # minutes of a run (a shared host) slows every row alike, and the ratios hold.
        results: dict[str, list[Measured]] = {name: [] for name, _ in steps}
        try:
            for _ in range(runs):
                for name, step in steps:
                    results[name].append(step())
        finally:
            watch.stop()
        rows: dict[str, dict] = {name: summary_of(found) for name, found in results.items()}
        for scale in scales:
            big = copy_project(work / f"book{scale}", scale)
            rows[f"huozi, {scale} × the book, three editions, empty caches"] = summary_of(
                [huozi_build(big, work / f"dist{scale}", *THREE)])
        reference = rows["Pandoc → WeasyPrint, one PDF"]["seconds"]
        for row in rows.values():
            row["ratio"] = round(row["seconds"] / reference, 3)
        return {
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": machine(),
            "runs": runs,
            "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "reference": "Pandoc → WeasyPrint, one PDF",
            "rows": rows,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(result: dict) -> str:
    lines = [f"Measured {result['date']} on {result['machine']}, medians of {result['runs']} "
             f"(1-minute load average {result['load_average_before_after'][0]} before, "
             f"{result['load_average_before_after'][1]} after):", "",
             "| measurement | wall | × Pandoc → WeasyPrint | CPU, all processes | peak RSS |",
             "|---|---|---|---|---|"]
    for name, row in result["rows"].items():
        rss = f"{row['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in row else ""
        cpu = f"{row['cpu_seconds']:.2f} s" if "cpu_seconds" in row else ""
        lines.append(f"| {name} | {row['seconds']:.2f} s | {row['ratio']:.2f} × | {cpu} | {rss} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--markdown", action="store_true", help="print the README's table, not JSON")
    args = parser.parse_args()
    result = measure(args.runs, args.scales)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(markdown(result) if args.markdown else text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
