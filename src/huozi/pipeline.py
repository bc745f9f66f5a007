"""build(): the whole pipeline, one line per stage; editions whose inputs changed are rebuilt."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import cache_path, file_sha256
from .config import Config, config_key_line, load_config
from .editions import EDITIONS, Edition, Layout, Model, build_order, worker_groups
from .errors import ConfigError, FontError, HuoziError, OutputError, SourceLocation
from .events import BuildWarning, Progress, StageEvent, Stopwatch, announce_to
from .fonts import FontFile, check_coverage, fontconfig_inputs, require_cjk_fonts
from .output import build_lock, ensure_writable, output_transaction, staging
from .pagetext import Pages
from .report import ReportOutput, write_report
from .stamp import Recorder, remove_stamp
from .state import EditionState, inputs_key, is_current, load_state, save_state
from .watch import check_out_dir

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.queues import SimpleQueue

    from .figures import Figures
    from .figures.images import ImageSet
    from .lanes import SiblingLane
    from .manuscript import Manuscript

# fontconfig's answer for the book's faces, reused while fontconfig's own state is unchanged.
FONT_LOOKUP_CACHE = "fontconfig.json"
# ... and which code points the installed fonts have, under the same condition.
FONT_COVERAGE_CACHE = "coverage.json"


@dataclass(frozen=True)
class Output:
    """One file of the build, written now or kept from an earlier build."""

    edition: str
    path: Path
    pages: int | None = None
    rebuilt: bool = True
    # The typography lint of a paged edition's layout (checks.lint.LintReport.record): its summary
    # and findings, as `huozi check` reports them (kept with the build's state for later checks).
    lint: dict[str, Any] | None = field(default=None, repr=False)


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
    typography: dict[str, Any] | None = None  # the lint's measures of the laid-out PDF (checks.lint)
    lint: dict[str, Any] | None = None  # the lint's summary and findings (checks.lint.LintReport.record)
    process: int = 0  # the worker's pid: a paged edition keeps to one (Workers)


# A stage longer than 10 s is announced again, with the time it has taken so far, then every 30 s.
def _heartbeat(already: int) -> float:
    return 10.0 + 30.0 * already


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
    if config.book.date:                                   # load_config has checked its form
        day = dt.date.fromisoformat(config.book.date)
        return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
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


def build_edition(config: Config, manuscript: Manuscript, edition: Edition, out_dir: Path, epoch: int,
                  figures: Figures, images: ImageSet | None, layouts: dict[str, Layout],
                  clock: Stopwatch, publish: Callable[[str, Layout], None] | None = None) -> _EditionRun:
    """One edition: the layouts it depends on (laid out now when this worker has none), its own
    layout when it is paged, then its writer. `layouts` keeps the paged layouts for later editions;
    `publish`, when given, receives the edition's pages as soon as they are laid out, before the
    file is written (another worker builds the editions that read them meanwhile)."""
    from .pdf.layout import lay_out

    needed = edition.layouts_needed(config)
    for other in needed:
        if other not in layouts:          # not built in this worker: laid out, never read from a file that may be stale
            with clock.stage(f"{other} pages"):
                layouts[other] = lay_out(config, manuscript, EDITIONS[other], figures, images=images, epoch=epoch)
    model = Model(edition, config, manuscript, figures, images, epoch, {other: layouts[other] for other in needed})
    laid = None
    if edition.paged is not None:
        laid = lay_out(config, manuscript, edition, figures, images=images, epoch=epoch, clock=clock)
        layouts[edition.name] = laid
        if publish is not None:
            publish(edition.name, laid)
    written = edition.load_writer().write(model, laid, output_path(config, edition, out_dir), clock)
    return _EditionRun(edition.name, written.path, written.pages, warnings=list(written.warnings),
                       typography=written.typography, lint=written.lint)


def _build_group(root: Path, names: tuple[str, ...], out_dir: Path, epoch: int, figures: Figures,
                 given: Mapping[str, Layout] | None = None, publish: frozenset[str] = frozenset()
                 ) -> list[_EditionRun]:
    """Build editions in order; runs in a worker process, so it loads what it needs itself.

    `given`: pages laid out by another worker; `publish`: the editions whose pages another worker
    is waiting for (sent to the build as soon as they are laid out)."""
    from .figures.images import load_images
    from .manuscript import parse_manuscript

    config = load_config(root)
    manuscript = parse_manuscript(config.manuscript_dir)
    images = load_images(config, manuscript)
    runs: list[_EditionRun] = []
    layouts: dict[str, Layout] = dict(given or {})
    send = _send_pages if publish else None
    with staging() as staged:                                     # written, moved into place by build()
        for index, name in enumerate(names):
            clock = Stopwatch(name)
            first = len(staged)
            run = build_edition(config, manuscript, EDITIONS[name], out_dir, epoch, figures, images, layouts, clock,
                                send if name in publish else None)
            run.timings, run.staged, run.process = clock.timings, staged[first:], os.getpid()
            runs.append(run)
            later = {other for n in names[index + 1:] for other in EDITIONS[n].depends}
            layouts = {n: laid for n, laid in layouts.items() if n in later}   # a layout no one needs is freed
    return runs


# The queue a worker sends laid-out pages on (set by _worker_start).
_PAGES_OUT: SimpleQueue[tuple[str, Pages]] | None = None


def _send_pages(edition: str, pages: Layout) -> None:
    if _PAGES_OUT is not None:
        _PAGES_OUT.put((edition, Pages(pages.page_texts)))


@dataclass(frozen=True)
class _Task:
    """Editions one worker builds in order, and the pages it waits for from other workers."""

    names: tuple[str, ...]
    after: tuple[str, ...] = ()           # paged editions laid out by another task first
    publish: frozenset[str] = frozenset()  # its editions whose pages other tasks wait for


def plan_tasks(config: Config, stale: list[str]) -> list[_Task]:
    """The build as tasks for parallel workers: each paged edition alone; an edition that reads
    the pages of one built now waits for them and then goes to whichever worker is free (the
    EPUB's page list needs print's pages, not its PDF, so it is written while print's PDF is)."""
    tasks: list[_Task] = []
    paged = [n for n in stale if EDITIONS[n].paged is not None]
    for name in stale:
        needed = EDITIONS[name].layouts_needed(config)
        after = tuple(n for n in needed if n in paged)
        if EDITIONS[name].paged is not None or after != needed:   # lays out itself what no task lays out
            tasks.append(_Task((name,)))
        else:
            tasks.append(_Task((name,), after))
    wanted = {n for task in tasks for n in task.after}
    return [_Task(t.names, t.after, frozenset(n for n in t.names if n in wanted)) for t in tasks]


def _worker_start(events: SimpleQueue[StageEvent], pages: SimpleQueue[tuple[str, Pages]],
                  styles_dir: Path | None = None, siblings: list[tuple[Any, Any]] | None = None) -> None:
    """A new worker: quiet on signals, stage starts sent to the build, WeasyPrint, fonts and
    templates warmed, then the other lanes' processes forked from it (`siblings`: their pipes).

    The warm-up runs while the parent parses the manuscript and draws the figures. It lays out a
    line in each face the book is set in, so fontconfig's caches and the font files are loaded,
    and compiles the templates of `styles_dir` (the book's, when the build named it).
    """
    global _PAGES_OUT

    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's handler: no traceback
    announce_to(events.put)
    _PAGES_OUT = pages
    try:
        from .fonts import SANS, SERIF
        from .pdf.weasy_patch import import_weasyprint, parse_write_types

        weasyprint = import_weasyprint()

        weasyprint.HTML(string=f'<p style="font-family:{SERIF}">字</p><p style="font-family:{SANS};'
                               f'font-weight:bold">字</p>').render()
        parse_write_types()
        if styles_dir is not None:
            from .layout.render import compile_templates

            compile_templates(styles_dir)
    except Exception:  # noqa: BLE001 - a warm-up only; the build reports real problems itself
        pass
    finally:
        if siblings:
            from .lanes import fork_siblings

            fork_siblings(siblings)


def _prepare(root: Path, names: tuple[str, ...]) -> None:
    """In a worker waiting for the figures: what the editions can make from the config alone
    (editions.prepare). A problem here is left to the edition's build, which reports it."""
    from .editions import prepare

    try:
        config = load_config(root)
        for name in names:
            prepare(EDITIONS[name], config)
    except Exception:  # noqa: BLE001 - made again, and reported, by the edition's own build
        pass


def _ready() -> None:
    """A task that only makes the pool start its workers."""


class Workers:
    """Worker processes for the editions, to keep between builds.

    build() makes its own for one build, started before the figures are drawn. A caller that
    builds again and again (`huozi watch`, a library caller) creates one Workers and passes it to
    every build(): its processes stay alive with WeasyPrint imported, the fonts loaded and the
    figure placement decisions, line-break plans and compiled templates of unchanged articles kept
    (they are exact: see placement.py). The first process is forked from here and forks the
    others after its warm-up (huozi.lanes). Each process is a lane of its own, and a paged edition
    always goes to the same lane: in one pool, print landed now and then in the process that had
    laid out the handout, without print's decisions (a one-paragraph edit took 2.9 s, not 1.9 s).
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, min(jobs or os.cpu_count() or 1, len(worker_groups())))
        self._lanes: list[ProcessPoolExecutor | SiblingLane] = []
        self._events: SimpleQueue[StageEvent] | None = None
        self._pages: SimpleQueue[tuple[str, Pages]] | None = None
        self.ran = False                  # whether run() gave them work (else build() stops them at once)

    def start(self, styles_dir: Path | None = None) -> None:
        """Start the processes (in the background: this returns at once), their warm-up compiling
        the templates of `styles_dir` when given; idempotent."""
        if self._lanes or self.jobs < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from .lanes import SiblingLane

        context = multiprocessing.get_context("fork")
        self._events = context.SimpleQueue()
        self._pages = context.SimpleQueue()
        # One worker forked from here; it forks the other lanes' processes after its warm-up.
        siblings = [SiblingLane(context) for _ in range(self.jobs - 1)]
        first = ProcessPoolExecutor(1, mp_context=context, initializer=_worker_start,
                                    initargs=(self._events, self._pages, styles_dir, [s.ends for s in siblings]))
        first.submit(_ready)                   # forks it now (a "fork" pool starts its processes at once)
        for sibling in siblings:
            sibling.started()
        self._lanes = [first, *siblings]

    def prepare(self, root: Path, names: list[str]) -> None:
        """Give the first lane, which waits for the figures as the others do, what the editions
        `names` can make before them (`_prepare`): it runs after the lane's warm-up, before its
        first task (the other lanes are forked at the end of that warm-up: on one of them, the
        cover ended after the figures and held print back)."""
        if self._lanes:
            self._lanes[0].submit(_prepare, root, tuple(names))

    def run(self, tasks: list[_Task], root: Path, out_dir: Path, epoch: int, figures: Figures,
            emit: Progress, meanwhile: Callable[[], None] = lambda: None) -> list[_EditionRun]:
        """Build each task's editions (`_build_group`) in parallel, a task that waits for pages once
        they have come; the workers' stage starts passed on. `meanwhile` runs here once the
        first tasks are given out; what it raises stops the workers and is raised."""
        from concurrent.futures import FIRST_COMPLETED, Future, wait

        self.start()
        self.ran = True
        assert self._lanes and self._events is not None and self._pages is not None
        lanes = self._lanes
        paged = [name for name, edition in EDITIONS.items() if edition.paged is not None]
        pages: dict[str, Pages] = {}
        waiting = list(tasks)
        futures: dict[Future[list[_EditionRun]], _Task] = {}
        lane_of: dict[Future[list[_EditionRun]], int] = {}

        def lane_for(task: _Task) -> int | None:
            if task.names[0] in paged:                # its own lane, where its kept decisions are
                return paged.index(task.names[0]) % len(lanes)
            # Any other task waits for a lane with nothing to do: given to a busy one, it waited
            # there for the handout's PDF while print's lane stood idle.
            busy = {n for f, n in lane_of.items() if not f.done()}
            return next((i for i in range(len(lanes)) if i not in busy), None)
        running: dict[str, tuple[str, float]] = {}               # edition -> (stage, started)
        said: dict[str, int] = {}                                # edition -> heartbeats of its stage

        def submit_ready(finished: set[str]) -> None:
            for task in [t for t in waiting if all(n in pages or n in finished for n in t.after)]:
                lane = lane_for(task)
                if lane is None:
                    continue
                waiting.remove(task)
                # pages a finished task never sent (it failed, or was not asked): laid out by this task itself
                given = {n: pages[n] for n in task.after if n in pages}
                future = lanes[lane].submit(_build_group, root, task.names, out_dir, epoch, figures, given,
                                            task.publish)
                futures[future], lane_of[future] = task, lane

        try:
            submit_ready(set())
            meanwhile()
            pending = set(futures)
            while pending:
                # short: pages that came start the editions waiting for them (wait() sees only futures)
                done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                while not self._pages.empty():
                    edition, laid = self._pages.get()
                    pages[edition] = laid
                self._drain(emit, running, said)
                if any(f.exception() is not None for f in done):
                    break                                         # raised below; the rest is not started
                finished = {n for f, t in futures.items() if f.done() for n in t.names}
                submit_ready(finished)
                pending = {f for f in futures if not f.done()}
                now = time.monotonic()
                for edition, (stage, started) in sorted(running.items()):
                    if now - started >= _heartbeat(said.get(edition, 0)):   # a long stage goes on
                        said[edition] = said.get(edition, 0) + 1
                        emit(StageEvent(stage, edition, "progress", now - started))
            wait(set(futures))
            self._drain(emit, running, said)
            while not self._pages.empty():
                self._pages.get()
        except BaseException:
            self.close(kill=True)      # interrupted: stop the workers now, not after their build
            raise
        from concurrent.futures.process import BrokenProcessPool

        try:
            return [run for f in futures for run in f.result()]   # a worker's error (a HuoziError) is raised here
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
        from .lanes import SiblingLane

        lanes, self._lanes = self._lanes, []
        for lane in lanes:
            if kill and isinstance(lane, SiblingLane):
                lane.terminate()
            elif kill:
                for process in list(getattr(lane, "_processes", {}).values()):  # no public way to stop one
                    process.terminate()
        for lane in reversed(lanes):           # the siblings first: the first worker reaps them as it exits
            lane.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(kill=exc_info[0] is not None)   # a build that failed early need not wait for their warm-up


def _run_editions(config: Config, tasks: list[_Task], out_dir: Path, epoch: int, figures: Figures,
                  workers: Workers | None, emit: Progress, checks: Callable[[], None]) -> list[_EditionRun]:
    """The planned editions built, in parallel workers when there are more than one task, else
    here; `checks` run first, or, with workers, once they have their tasks."""
    order = build_order()
    stale = [name for task in tasks for name in task.names]
    if workers is not None and workers.jobs > 1 and len(tasks) > 1:
        runs = workers.run(tasks, config.root, out_dir, epoch, figures, emit, checks)
        return sorted(runs, key=lambda run: order.index(run.edition))
    checks()
    previous = announce_to(lambda event: None if event.status == "done" else emit(event))
    try:
        return [run for g in worker_groups(stale) for run in _build_group(config.root, g, out_dir, epoch, figures)]
    finally:
        announce_to(previous)


def edition_key(config: Config, name: str, epoch: int, fonts: tuple[Path, ...],
                memo: dict[Path, bytes] | None = None) -> str:
    """The inputs key of an edition, and of the editions whose layout it uses (`Edition.depends`)."""
    memo = {} if memo is None else memo
    key = inputs_key(config, name, epoch, fonts, memo)
    if not EDITIONS[name].depends:
        return key
    parts = [key] + [inputs_key(config, other, epoch, fonts, memo) for other in EDITIONS[name].depends]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _book_fonts(config: Config) -> tuple[FontFile, ...]:
    """The installed faces of every `[fonts]` family; a missing one is named at its book.toml line."""
    fonts = config.fonts
    try:
        return require_cjk_fonts((fonts.body, fonts.heading), styles_dir=config.styles_dir,
                                 cache_file=cache_path(config.root, FONT_LOOKUP_CACHE), others=(fonts.mono, fonts.quote))
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
    recorder = Recorder(Path(project))                            # the no-op stamp's records start (stamp.py)
    config = load_config(Path(project))                          # book.toml -> Config
    wanted = None if editions is None else list(editions)
    chosen = select_editions(wanted)                              # which outputs
    pool = workers if workers is not None else Workers(jobs)
    own = pool if workers is None else None                       # started and stopped by this build
    if own is not None and len(chosen) > 1:
        own.start(config.styles_dir)   # warming up (0.6 s) while the book is read; stopped at once if idle
    try:
        out_dir = Path(out).resolve() if out is not None else config.root / "dist"
        check_out_dir(config, out_dir)                            # never inside manuscript/, styles/, figures/
        ensure_writable(out_dir)
        epoch = build_epoch(config, environ)
        recorder.sources(config)                                  # stat what is read from here on, first
        recorder.paths([*fontconfig_inputs(), cache_path(config.root, FONT_LOOKUP_CACHE)])
        fonts = tuple(f.path for f in _book_fonts(config))        # never tofu
        recorder.paths(fonts)
        memo: dict[Path, bytes] = {}                              # each source file hashed once
        keys = {e.name: edition_key(config, e.name, epoch, fonts, memo) for e in chosen}
        recorder.ask(config, wanted, environ)
        with build_lock(out_dir, lambda: emit(StageEvent("lock", "all", "wait"))):  # one build at a time
            return _build_locked(config, chosen, out_dir, epoch, keys, emit, force, pool, recorder)
    finally:
        if own is not None:
            own.close(kill=not own.ran)
            # A build that brought its own workers is a one-shot call: the pages it laid out in
            # this process (pdf/segments.py keeps them for the next layout) go with it.
            segments = sys.modules.get("huozi.pdf.segments")
            if segments is not None:
                segments.forget()


def _build_locked(config: Config, chosen: list[Edition], out_dir: Path, epoch: int, keys: dict[str, str],
                  emit: Progress, force: bool, workers: Workers, recorder: Recorder) -> BuildResult:
    """The part of a build that reads and writes `out_dir`: run only under its lock."""
    remove_stamp(out_dir)                                         # before any output changes
    previous = load_state(out_dir)
    stale = [e.name for e in chosen if force or not is_current(out_dir, previous.get(e.name), keys[e.name])]
    for name in (e.name for e in chosen if e.name not in stale):
        emit(StageEvent("build", name, "skip"))
    runs: list[_EditionRun] = []
    parse_warnings: tuple[Any, ...] = ()
    images = None
    if stale:
        from .figures import render_figures
        from .figures.images import load_images
        from .layout.stylecheck import check_styles
        from .manuscript import parse_manuscript

        tasks = plan_tasks(config, stale)
        if len(tasks) > 1:
            workers.start(config.styles_dir)    # warms up while the book is read and the figures drawn
            workers.prepare(config.root, stale)   # the EPUB's cover drawn meanwhile
        manuscript = parse_manuscript(config.manuscript_dir)      # report manuscript errors once, early
        parse_warnings = manuscript.warnings                      # e.g. a short table row, padded
        images = load_images(config, manuscript)                  # every image file there, usable, described

        def checks() -> None:
            # Run while the workers lay out (they wait for the figures, not for these), and before
            # any result is read: an error here is the build's error, and nothing is written. The
            # editions are said to start once the input passed them, as before they ran here.
            check_styles(config.styles_dir)                       # encodings, include loops, @import
            check_coverage([config.path, *manuscript.files,       # no character drawn as a box
                            *sorted(config.figures_dir.glob("*.toml"))],
                           cache_path(config.root, FONT_COVERAGE_CACHE))
            for name in stale:
                emit(StageEvent("build", name, "start"))
        started = time.perf_counter()
        figures = render_figures(config.root, config.figures_dir, manuscript)  # facts checked, figures drawn
        figure_time = StageEvent("figures", "all", "done", time.perf_counter() - started)
        with output_transaction(out_dir) as staged:               # every output appears, or none
            runs = _run_editions(config, tasks, out_dir, epoch, figures, workers, emit, checks)
            staged.extend(pair for run in runs for pair in run.staged)
        emit(figure_time)
    states = dict(previous)
    for run in runs:
        states[run.edition] = EditionState(keys[run.edition], run.path.name, file_sha256(run.path), run.pages,
                                           run.typography, run.lint)
        for timing in run.timings:
            emit(timing)
        emit(StageEvent("build", run.edition, "done", sum(t.seconds for t in run.timings)))
    save_state(out_dir, states)
    outputs = [ReportOutput(e.name, out_dir / states[e.name].file, states[e.name], e.name in stale) for e in chosen]
    timings = ([figure_time] if stale else []) + [t for run in runs for t in run.timings]
    warnings = [BuildWarning(w.message, SourceLocation(w.path, w.line)) for w in parse_warnings]
    warnings += ([*images.warnings] if images is not None else []) + [w for run in runs for w in run.warnings]
    report = write_report(out_dir, outputs, timings, warnings)
    recorder.write(out_dir, outputs)                              # huozi.quick may answer the next no-op
    return BuildResult(
        tuple(Output(o.edition, o.path, o.state.pages, o.rebuilt, o.state.lint) for o in outputs),
        tuple(timings), tuple(warnings), report,
    )
