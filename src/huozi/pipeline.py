"""build(): the whole pipeline, one line per stage; editions whose inputs changed are rebuilt."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, config_key_line, load_config
from .errors import ConfigError, FontError, HuoziError, OutputError, SourceLocation
from .events import BuildWarning, Progress, StageEvent, collect_warnings
from .fonts import FontFile, check_coverage, require_cjk_fonts
from .editions import EDITIONS, Edition
from .output import build_lock, ensure_writable, output_transaction, staging
from .report import ReportOutput, write_report
from .state import EditionState, file_sha256, inputs_key, is_current, load_state, save_state
from .watch import check_out_dir

if TYPE_CHECKING:
    from .figures import Figures
    from .figures.images import ImageSet
    from .manuscript import Manuscript
    from .pdf.pages import PageText
    from .pdf.writer import PdfOptions

# fontconfig's answer for the book's faces, reused while fontconfig's own state is unchanged.
FONT_LOOKUP_CACHE = Path(".huozi-cache") / "fontconfig.json"
# Editions that must be built in order within one worker (the EPUB maps to the print pages).
GROUPS: tuple[tuple[str, ...], ...] = (("handout",), ("print", "epub", "html"))
# An edition made from another's layout is stale when that edition's inputs change.
DEPENDS: dict[str, tuple[str, ...]] = {"epub": ("print",), "html": ("print",)}


@dataclass(frozen=True)
class Output:
    """One file of the build, written now or kept from an earlier build."""

    edition: str
    path: Path
    pages: int | None = None
    rebuilt: bool = True


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, how long each stage took and what it warned about."""

    outputs: tuple[Output, ...]
    timings: tuple[StageEvent, ...] = ()
    warnings: tuple[BuildWarning, ...] = ()
    report: Path | None = None

    @property
    def rebuilt(self) -> tuple[Output, ...]:
        return tuple(o for o in self.outputs if o.rebuilt)


@dataclass
class _EditionRun:
    """What one edition's build returns from a worker process (picklable)."""

    edition: str
    path: Path
    pages: int | None
    timings: list[StageEvent] = field(default_factory=list)
    warnings: list[BuildWarning] = field(default_factory=list)
    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary file, target) to move
    page_texts: tuple[PageText, ...] = ()  # where each laid-out page begins (PDF editions)
    typography: dict | None = None  # the lint's measures of the laid-out PDF (checks.lint)


# A stage longer than 10 s is announced again, with the time it has taken so far, then every 30 s.
def _heartbeat(already: int) -> float:
    return 10.0 + 30.0 * already


# Where a stage's start is announced: build() in this process, or a queue to it from a worker.
_announce: Progress = lambda event: None  # noqa: E731


class _Stopwatch:
    def __init__(self, edition: str) -> None:
        self.edition = edition
        self.timings: list[StageEvent] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        _announce(StageEvent(name, self.edition, "start"))
        start = time.perf_counter()
        yield
        self.timings.append(StageEvent(name, self.edition, "done", time.perf_counter() - start))
        _announce(self.timings[-1])


# 9999-12-31T23:59:59Z: later dates do not fit PDF, EPUB and zip timestamps.
MAX_EPOCH = 253402300799


def build_epoch(config: Config, environ: Mapping[str, str]) -> int:
    """The build's date: SOURCE_DATE_EPOCH if set, else the book's own date (never the clock)."""
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw:
        try:
            epoch = int(raw)
        except ValueError:
            epoch = -1
        if not 0 <= epoch <= MAX_EPOCH:
            raise HuoziError(f"SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {MAX_EPOCH} "
                             f"(1970 to 9999), not {raw!r}", None,
                             "set it to a commit's time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
        return epoch
    if config.book.date:
        try:
            day = dt.date.fromisoformat(config.book.date)
        except ValueError:
            raise ConfigError(f"book.date must be YYYY-MM-DD, not {config.book.date!r}",
                              hint='write date = "2020-05-29"') from None
        return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())
    return 0


def select_editions(names: Iterable[str] | None) -> list[Edition]:
    """The editions to build, in a fixed order; all of them when `names` is empty."""
    wanted = list(names or EDITIONS)
    for name in wanted:
        if name not in EDITIONS:
            raise ConfigError(f"unknown edition '{name}'", hint=f"choose from {', '.join(EDITIONS)}")
    return [EDITIONS[name] for name in EDITIONS if name in wanted]


def output_path(config: Config, edition: Edition, out_dir: Path) -> Path:
    """Where an edition is written: a plain file directly inside `out_dir`, whatever the slug says."""
    path = out_dir / f"{config.book.slug}{edition.suffix}"
    if path.parent != out_dir or path.name.startswith(".") or path.name != f"{config.book.slug}{edition.suffix}":
        raise OutputError(f"the output name {path.name!r} would leave the output folder",
                          SourceLocation(config.path), "set book.slug to a plain file name")
    return path


# Figure placement decisions by the hash of a trial layout's HTML, for the life of the process:
# a warm worker (huozi watch, a library caller building again) lays out only changed articles.
_PLACEMENTS: dict[str, list] = {}
_PLACEMENTS_KEPT = 4096  # entries (each a few slots); a long watch session forgets the oldest
# Footnote marks numbered by page, by the hash of the edition's HTML with placeholder marks.
_NOTE_MARKS: dict[str, dict[str, str]] = {}


def pdf_layout(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures,
               options: PdfOptions, clock: _Stopwatch | None = None,
               images: ImageSet | None = None) -> tuple[str, Any]:
    """The HTML the PDF writer lays out (clreq-typeset text, print figures floated to a page edge,
    footnotes marked), and its laid-out Document when this step already made it (else None: the
    caller lays it out).

    Call it inside `pdf.weasy_patch.cjk_layout()`, so that the trial layouts that place the
    figures break lines as the final layout does. `checks.lint` lays out the same HTML.
    """
    from .figures.placement import float_figures
    from .fonts import _fontconfig_stamp
    from .layout.notes import has_notes, placeholder_marks
    from .layout.render import render_edition
    from .pdf.writer import render_document
    from .text.typeset import typesetter_for

    typeset = typesetter_for(config)                            # clreq spacing, breaks, 孤字
    fits: dict[str, Any] = {}
    if manuscript.tables:                                      # wide tables set smaller, or turned
        with _stage(clock, "tables"):
            fits = _fit_tables(config, manuscript, edition, figures, options, typeset, images)
    if edition.name == "print" and figures:                    # figures to the top or bottom of a page
        def trial(html: str) -> tuple[Any, bool]:
            fetched: list[str] = []
            document = render_document(html, options, fetched)
            return document, not [url for url in fetched if not url.startswith("data:")]

        with _stage(clock, "placement"):
            manuscript = float_figures(
                manuscript, lambda m: render_edition(config, m, edition, figures=figures, typeset=typeset,
                                                     images=images, table_fits=fits),
                trial, _PLACEMENTS, salt=repr(_fontconfig_stamp()))
            while len(_PLACEMENTS) > _PLACEMENTS_KEPT:
                del _PLACEMENTS[next(iter(_PLACEMENTS))]

    def render(marks: dict[str, str] | None = None) -> str:
        return render_edition(config, manuscript, edition, figures=figures, typeset=typeset, marks=marks,
                              images=images, table_fits=fits)

    if config.footnotes.numbering == "page" and has_notes(manuscript):   # ①②③ from each page's first note
        from .pdf.notes import settle_marks

        with _stage(clock, "notes"):
            first = placeholder_marks(manuscript)
            key = hashlib.sha256(f"{_fontconfig_stamp()!r}\0{render(first)}".encode()).hexdigest()
            return settle_marks(render, lambda html: render_document(html, options), first, _NOTE_MARKS, key)
    with _stage(clock, "layout"):
        return render(), None


def _fit_tables(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
                typeset: Any, images: ImageSet | None) -> dict[str, Any]:
    """The tables of an edition that must be set smaller or turned (pdf/tables.py), from trial layouts."""
    from .layout.links import table_numbers
    from .layout.render import render_edition
    from .pdf import tables
    from .pdf.writer import render_document

    def layout(fits: dict[str, Any]) -> Any:
        html = render_edition(config, manuscript, edition, figures=figures, typeset=typeset, images=images,
                              table_fits=fits)
        return render_document(html, options)

    spaces = tables.measure_tables(layout({}), manuscript)
    fits = tables.fit_tables(spaces, manuscript, table_numbers(manuscript, config.tables.numbering))
    if edition.name == "print" and any(f.turned for f in fits.values()):
        fits = tables.cut_turned(layout(tables.one_part(fits, manuscript)), fits, manuscript)
    return fits


def pdf_html(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
             clock: _Stopwatch | None = None, images: ImageSet | None = None) -> str:
    """The HTML of `pdf_layout` alone."""
    return pdf_layout(config, manuscript, edition, figures, options, clock, images)[0]


def _stage(clock: _Stopwatch | None, name: str):
    return clock.stage(name) if clock is not None else nullcontext()


def build_pdf(config: Config, manuscript: Manuscript, edition: Edition, out: Path, epoch: int,
              figures: Figures, clock: _Stopwatch, images: ImageSet | None = None) -> _EditionRun:
    """Template -> HTML -> WeasyPrint -> PDF (PDF/X-4 or PDF/UA-1, see pdf/variants.py)."""
    from .checks.images import resolution_warnings
    from .checks.lint import lint_document
    from .pdf.variants import pdf_options
    from .pdf.weasy_patch import cjk_layout_for
    from .pdf.writer import render_document, write_pdf
    from .text.typeset import rules_for

    options = pdf_options(config, edition.name, epoch)
    with cjk_layout_for(config.typography):                # clreq justification in WeasyPrint
        html, document = pdf_layout(config, manuscript, edition, figures, options, clock, images)
        with clock.stage("pdf"), collect_warnings("weasyprint", edition.name) as warnings:
            document = document or render_document(html, options)
            result = write_pdf(html, output_path(config, edition, out), options, document)
        lint = lint_document(document, edition.name, rules=rules_for(config))  # even colour, for the report
    if edition.name == "print" and images is not None:    # print-ready resolution at the placed size
        warnings.extend(resolution_warnings(document, images, config.images.min_ppi))
    return _EditionRun(edition.name, result.path, result.pages, warnings=list(warnings),
                       page_texts=result.page_texts, typography=lint.metrics())


def lay_out_print(config: Config, manuscript: Manuscript, epoch: int, figures: Figures,
                  images: ImageSet | None = None) -> tuple[PageText, ...]:
    """The print edition's pages when this build does not write it (it is current, or not chosen).

    Laid out as build_pdf lays it out, and not written; a print PDF left in the output folder
    may be stale, so it is never read.
    """
    from .pdf.pages import read_page_texts
    from .pdf.variants import pdf_options
    from .pdf.weasy_patch import cjk_layout_for
    from .pdf.writer import render_document

    edition = EDITIONS["print"]
    options = pdf_options(config, edition.name, epoch)
    with cjk_layout_for(config.typography):
        html, document = pdf_layout(config, manuscript, edition, figures, options, images=images)
        return read_page_texts(document or render_document(html, options))


def build_epub(config: Config, manuscript: Manuscript, edition: Edition, out: Path, epoch: int,
               figures: Figures, clock: _Stopwatch, print_pages: tuple[PageText, ...] = (),
               images: ImageSet | None = None) -> _EditionRun:
    """Templates -> XHTML documents (+ the print pages' breaks) -> ebooklib -> reproducible zip."""
    from .epub.assemble import assemble_epub
    from .epub.writer import write_epub

    modified = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    with clock.stage("layout"):
        package = assemble_epub(config, manuscript, modified, figures=figures, print_pages=print_pages,
                                images=images)
    with clock.stage("epub"):
        path = write_epub(package, output_path(config, edition, out), epoch)
    return _EditionRun(edition.name, path, None)


def build_html(config: Config, manuscript: Manuscript, edition: Edition, out: Path, figures: Figures,
               clock: _Stopwatch, print_pages: tuple[PageText, ...] = (),
               images: ImageSet | None = None) -> _EditionRun:
    """Templates -> XHTML pages (+ the print pages' numbers) -> HTML, web fonts -> a site folder."""
    from .html.assemble import assemble_site
    from .html.writer import write_site

    with clock.stage("layout"):
        site = assemble_site(config, manuscript, figures=figures, print_pages=print_pages, images=images)
    with clock.stage("html"):
        path = write_site(site, output_path(config, edition, out))
    return _EditionRun(edition.name, path, None)


def _build_group(root: Path, names: tuple[str, ...], out_dir: Path, epoch: int,
                 figures: Figures) -> list[_EditionRun]:
    """Build editions in order; runs in a worker process, so it loads what it needs itself."""
    from .figures.images import load_images
    from .manuscript import parse_manuscript

    config = load_config(root)
    manuscript = parse_manuscript(config.manuscript_dir)
    images = load_images(config, manuscript)
    runs: list[_EditionRun] = []
    print_pages: tuple[PageText, ...] | None = None               # the print edition's layout, once
    with staging() as staged:                                     # written, moved into place by build()
        for name in names:
            edition = EDITIONS[name]
            clock = _Stopwatch(name)
            first = len(staged)
            if edition.kind == "pdf":
                run = build_pdf(config, manuscript, edition, out_dir, epoch, figures, clock, images)
                print_pages = run.page_texts if name == "print" else print_pages
            else:
                pages: tuple[PageText, ...] = ()
                if edition.kind == "epub" or config.html.page_numbers:   # the print pages' numbers
                    if print_pages is None:                   # print not rebuilt: lay it out
                        with clock.stage("print pages"):
                            print_pages = lay_out_print(config, manuscript, epoch, figures, images)
                    pages = print_pages
                if edition.kind == "html":
                    run = build_html(config, manuscript, edition, out_dir, figures, clock, pages, images)
                else:
                    run = build_epub(config, manuscript, edition, out_dir, epoch, figures, clock, pages, images)
            run.timings, run.staged = clock.timings, staged[first:]
            runs.append(run)
    return runs


def _worker_start(events) -> None:
    """A new worker: quiet on signals, stage starts sent to the build, WeasyPrint and fonts warmed.

    The warm-up runs while the parent parses the manuscript and draws the figures. It lays out a
    line in each face the book is set in, so fontconfig's caches and the font files are loaded.
    """
    import signal

    global _announce
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's handler: no traceback
    _announce = events.put
    try:
        import weasyprint

        from .fonts import SANS, SERIF
        from .pdf import weasy_patch  # noqa: F401  (imported once, as every build needs it)

        weasyprint.HTML(string=f'<p style="font-family:{SERIF}">字</p><p style="font-family:{SANS};'
                               f'font-weight:bold">字</p>').render()
    except Exception:  # noqa: BLE001 - a warm-up only; the build reports real problems itself
        pass


def _ready() -> None:
    """A task that only makes the pool start its workers."""


class Workers:
    """Worker processes for the editions, to keep between builds.

    build() makes its own for one build, started before the figures are drawn. A caller that
    builds again and again (`huozi watch`, a library caller) creates one Workers and passes it to
    every build(): its processes stay alive with WeasyPrint imported, the fonts loaded and the
    figure placement decisions of unchanged articles kept (they are exact: see placement.py).
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, min(jobs or os.cpu_count() or 1, len(GROUPS)))
        self._pool = None
        self._events = None

    def start(self) -> None:
        """Start the processes (in the background: this returns at once); idempotent."""
        if self._pool is not None or self.jobs < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        self._events = context.SimpleQueue()
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_worker_start,
                                         initargs=(self._events,))
        self._pool.submit(_ready)

    def run(self, tasks: list[tuple], emit: Progress) -> list[list[_EditionRun]]:
        """Run `_build_group(*task)` for each task in parallel, passing on the workers' stage starts."""
        from concurrent.futures import wait

        self.start()
        assert self._pool is not None and self._events is not None
        futures = [self._pool.submit(_build_group, *task) for task in tasks]
        running: dict[str, tuple[str, float]] = {}               # edition -> (stage, started)
        said: dict[str, int] = {}                                # edition -> heartbeats of its stage
        try:
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.2)
                self._drain(emit, running, said)
                now = time.monotonic()
                for edition, (stage, started) in sorted(running.items()):
                    if now - started >= _heartbeat(said.get(edition, 0)):   # a long stage goes on
                        said[edition] = said.get(edition, 0) + 1
                        emit(StageEvent(stage, edition, "progress", now - started))
            self._drain(emit, running, said)
        except BaseException:
            self.close(kill=True)      # interrupted: stop the workers now, not after their build
            raise
        from concurrent.futures.process import BrokenProcessPool

        try:
            return [f.result() for f in futures]   # a worker's error (a HuoziError) is raised here
        except BrokenProcessPool:
            self.close(kill=True)      # a pool with a dead worker takes no more work: start anew
            raise HuoziError("a worker process of the build was killed",
                             hint="was the machine out of memory? try again, or with --jobs 1") from None

    def _drain(self, emit: Progress, running: dict[str, tuple[str, float]], said: dict[str, int]) -> None:
        while self._events is not None and not self._events.empty():
            event = self._events.get()
            said.pop(event.edition, None)
            if event.status == "done":     # build() reports the timings when the edition is done
                running.pop(event.edition, None)
            else:
                running[event.edition] = (event.stage, time.monotonic())
                emit(event)

    def close(self, kill: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):  # no public way to stop one
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _run_groups(root: Path, groups: list[tuple[str, ...]], out_dir: Path, epoch: int,
                figures: Figures, workers: Workers | None, emit: Progress) -> list[_EditionRun]:
    if workers is not None and workers.jobs > 1 and len(groups) > 1:
        results = workers.run([(root, g, out_dir, epoch, figures) for g in groups], emit)
        return [run for result in results for run in result]
    global _announce
    previous = _announce
    _announce = lambda event: None if event.status == "done" else emit(event)  # noqa: E731
    try:
        return [run for g in groups for run in _build_group(root, g, out_dir, epoch, figures)]
    finally:
        _announce = previous


def edition_key(config: Config, name: str, epoch: int, fonts: tuple[Path, ...],
                memo: dict[Path, bytes] | None = None) -> str:
    """The inputs key of an edition, and of the editions whose layout it uses (DEPENDS)."""
    memo = {} if memo is None else memo
    key = inputs_key(config, name, tuple(EDITIONS), epoch, fonts, memo)
    if name not in DEPENDS:
        return key
    parts = [key] + [inputs_key(config, other, tuple(EDITIONS), epoch, fonts, memo) for other in DEPENDS[name]]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _book_fonts(config: Config) -> tuple[FontFile, ...]:
    """The installed faces of every `[fonts]` family; a missing one is named at its book.toml line."""
    fonts = config.fonts
    try:
        return require_cjk_fonts((fonts.body, fonts.heading), styles_dir=config.styles_dir,
                                 cache_file=config.root / FONT_LOOKUP_CACHE, others=(fonts.mono, fonts.quote))
    except FontError as exc:
        family = exc.message.split("'")[1]
        role = next((role for role, name in fonts.families() if name == family), None)
        if role is None:
            raise
        line = config_key_line(config.path, role, "fonts")
        if line is None:  # huozi's default for the role, not written in book.toml
            raise FontError(f"{exc.message} (the default [fonts] {role})", SourceLocation(config.path),
                            f"{exc.hint}; or name an installed family as [fonts] {role} in book.toml") from None
        raise FontError(f"{exc.message} ([fonts] {role})", SourceLocation(config.path, line),
                        "install it, or name an installed family there (fc-list : family lists them)") from None


def build(
    project: Path | str = ".",
    out: Path | str | None = None,
    editions: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    progress: Progress | None = None,
    force: bool = False,
    jobs: int | None = None,
    workers: Workers | None = None,
) -> BuildResult:
    """Build the book in `project` into `out` (default: PROJECT/dist), skipping unchanged editions.

    `workers` (a Workers, kept by the caller) reuses warm worker processes across builds; without
    it the build starts its own and stops them at the end (`jobs` of them, default one per core).
    """
    environ = os.environ if environ is None else environ
    emit = progress or (lambda event: None)
    config = load_config(Path(project))                          # book.toml -> Config
    chosen = select_editions(editions)                            # which outputs
    out_dir = Path(out).resolve() if out is not None else config.root / "dist"
    check_out_dir(config, out_dir)                                # never inside manuscript/, styles/, figures/
    ensure_writable(out_dir)
    epoch = build_epoch(config, environ)
    fonts = tuple(f.path for f in _book_fonts(config))            # never tofu
    memo: dict[Path, bytes] = {}                                  # each source file hashed once
    keys = {e.name: edition_key(config, e.name, epoch, fonts, memo) for e in chosen}
    with build_lock(out_dir, lambda: emit(StageEvent("lock", "all", "wait"))):  # one build at a time
        if workers is not None:
            return _build_locked(config, chosen, out_dir, epoch, keys, emit, force, workers)
        with Workers(jobs) as own:
            return _build_locked(config, chosen, out_dir, epoch, keys, emit, force, own)


def _build_locked(config: Config, chosen: list[Edition], out_dir: Path, epoch: int, keys: dict[str, str],
                  emit: Progress, force: bool, workers: Workers) -> BuildResult:
    """The part of a build that reads and writes `out_dir`: run only under its lock."""
    previous = load_state(out_dir)
    stale = [e.name for e in chosen if force or not is_current(out_dir, previous.get(e.name), keys[e.name])]
    for name in (e.name for e in chosen if e.name not in stale):
        emit(StageEvent("build", name, "skip"))
    runs: list[_EditionRun] = []
    parse_warnings: tuple = ()
    images = None
    if stale:
        from .figures import render_figures
        from .figures.images import load_images
        from .layout.stylecheck import check_styles
        from .manuscript import parse_manuscript

        check_styles(config.styles_dir)                           # encodings, include loops, @import
        if sum(1 for g in GROUPS if set(g) & set(stale)) > 1:
            workers.start()                                       # warms up while figures are drawn
        manuscript = parse_manuscript(config.manuscript_dir)      # report manuscript errors once, early
        parse_warnings = manuscript.warnings                      # e.g. a short table row, padded
        images = load_images(config, manuscript)                  # every image file there, usable, described
        check_coverage([config.path, *manuscript.files,           # no character drawn as a box
                        *sorted(config.figures_dir.glob("*.toml"))])
        started = time.perf_counter()
        figures = render_figures(config.root, config.figures_dir, manuscript)  # facts checked, figures drawn
        figure_time = StageEvent("figures", "all", "done", time.perf_counter() - started)
        groups = [tuple(n for n in g if n in stale) for g in GROUPS]
        groups = [g for g in groups if g]
        for name in stale:
            emit(StageEvent("build", name, "start"))
        with output_transaction(out_dir) as staged:               # every output appears, or none
            runs = _run_groups(config.root, groups, out_dir, epoch, figures, workers, emit)
            staged.extend(pair for run in runs for pair in run.staged)
        emit(figure_time)
    states = dict(previous)
    for run in runs:
        states[run.edition] = EditionState(keys[run.edition], run.path.name, file_sha256(run.path), run.pages,
                                           run.typography)
        for timing in run.timings:
            emit(timing)
        emit(StageEvent("build", run.edition, "done", sum(t.seconds for t in run.timings)))
    save_state(out_dir, states)
    outputs = [ReportOutput(e.name, out_dir / states[e.name].file, states[e.name], e.name in stale) for e in chosen]
    timings = ([figure_time] if stale else []) + [t for run in runs for t in run.timings]
    warnings = [BuildWarning(w.message, SourceLocation(w.path, w.line)) for w in parse_warnings]
    warnings += ([*images.warnings] if stale else []) + [w for run in runs for w in run.warnings]
    report = write_report(out_dir, outputs, timings, warnings)
    return BuildResult(
        tuple(Output(o.edition, o.path, o.state.pages, o.rebuilt) for o in outputs),
        tuple(timings), tuple(warnings), report,
    )
