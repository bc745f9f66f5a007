"""build(): the whole pipeline, one line per stage; editions whose inputs changed are rebuilt."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, load_config
from .errors import ConfigError, HuoziError
from .events import BuildWarning, Progress, StageEvent, collect_warnings
from .fonts import require_cjk_fonts
from .editions import EDITIONS, Edition
from .output import build_lock, ensure_writable, output_transaction, staging
from .report import ReportOutput, write_report
from .state import EditionState, file_sha256, inputs_key, is_current, load_state, save_state

if TYPE_CHECKING:
    from .figures import Figures
    from .manuscript import Manuscript
    from .pdf.pages import PageText
    from .pdf.writer import PdfOptions

# Editions that must be built in order within one worker (the EPUB maps to the print pages).
GROUPS: tuple[tuple[str, ...], ...] = (("handout",), ("print", "epub"))
# An edition made from another's layout is stale when that edition's inputs change.
DEPENDS: dict[str, tuple[str, ...]] = {"epub": ("print",)}


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


class _Stopwatch:
    def __init__(self, edition: str) -> None:
        self.edition = edition
        self.timings: list[StageEvent] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings.append(StageEvent(name, self.edition, "done", time.perf_counter() - start))


def build_epoch(config: Config, environ: Mapping[str, str]) -> int:
    """The build's date: SOURCE_DATE_EPOCH if set, else the book's own date (never the clock)."""
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw:
        try:
            return int(raw)
        except ValueError:
            raise HuoziError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {raw!r}") from None
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
    return out_dir / f"{config.book.slug}{edition.suffix}"


def pdf_layout(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures,
               options: PdfOptions, clock: _Stopwatch | None = None) -> tuple[str, Any]:
    """The HTML the PDF writer lays out (clreq-typeset text, print figures floated to a page edge),
    and its laid-out Document when placing the figures already made it (else None).

    Call it inside `pdf.weasy_patch.cjk_layout()`, so that the trial layouts that place the
    figures break lines as the final layout does. `checks.lint` lays out the same HTML.
    """
    from .figures.placement import float_figures
    from .layout.render import render_edition
    from .pdf.writer import render_document
    from .text.typeset import typesetter_for

    typeset = typesetter_for(config)                            # clreq spacing, breaks, 孤字
    document = None
    if edition.name == "print" and figures:                    # figures to the top or bottom of a page
        with _stage(clock, "placement"):
            manuscript, document = float_figures(manuscript, lambda m: render_document(
                render_edition(config, m, edition, figures=figures, typeset=typeset), options))
    with _stage(clock, "layout"):
        return render_edition(config, manuscript, edition, figures=figures, typeset=typeset), document


def pdf_html(config: Config, manuscript: Manuscript, edition: Edition, figures: Figures, options: PdfOptions,
             clock: _Stopwatch | None = None) -> str:
    """The HTML of `pdf_layout` alone."""
    return pdf_layout(config, manuscript, edition, figures, options, clock)[0]


def _stage(clock: _Stopwatch | None, name: str):
    return clock.stage(name) if clock is not None else nullcontext()


def build_pdf(config: Config, manuscript: Manuscript, edition: Edition, out: Path, epoch: int,
              figures: Figures, clock: _Stopwatch) -> _EditionRun:
    """Template -> HTML -> WeasyPrint -> PDF (PDF/X-4 or PDF/UA-1, see pdf/variants.py)."""
    from .checks.lint import lint_document
    from .pdf.variants import pdf_options
    from .pdf.weasy_patch import cjk_layout_for
    from .pdf.writer import render_document, write_pdf
    from .text.typeset import rules_for

    options = pdf_options(config, edition.name, epoch)
    with cjk_layout_for(config.typography):                # clreq justification in WeasyPrint
        html, document = pdf_layout(config, manuscript, edition, figures, options, clock)
        with clock.stage("pdf"), collect_warnings("weasyprint", edition.name) as warnings:
            document = document or render_document(html, options)
            result = write_pdf(html, output_path(config, edition, out), options, document)
        lint = lint_document(document, edition.name, rules=rules_for(config))  # even colour, for the report
    return _EditionRun(edition.name, result.path, result.pages, warnings=list(warnings),
                       page_texts=result.page_texts, typography=lint.metrics())


def lay_out_print(config: Config, manuscript: Manuscript, epoch: int, figures: Figures) -> tuple[PageText, ...]:
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
        html, document = pdf_layout(config, manuscript, edition, figures, options)
        return read_page_texts(document or render_document(html, options))


def build_epub(config: Config, manuscript: Manuscript, edition: Edition, out: Path, epoch: int,
               figures: Figures, clock: _Stopwatch, print_pages: tuple[PageText, ...] = ()) -> _EditionRun:
    """Templates -> XHTML documents (+ the print pages' breaks) -> ebooklib -> reproducible zip."""
    from .epub.assemble import assemble_epub
    from .epub.writer import write_epub

    modified = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    with clock.stage("layout"):
        package = assemble_epub(config, manuscript, modified, figures=figures, print_pages=print_pages)
    with clock.stage("epub"):
        path = write_epub(package, output_path(config, edition, out), epoch)
    return _EditionRun(edition.name, path, None)


def _build_group(root: Path, names: tuple[str, ...], out_dir: Path, epoch: int,
                 figures: Figures) -> list[_EditionRun]:
    """Build editions in order; runs in a worker process, so it loads what it needs itself."""
    from .manuscript import parse_manuscript

    config = load_config(root)
    manuscript = parse_manuscript(config.manuscript_dir)
    runs: list[_EditionRun] = []
    with staging() as staged:                                     # written, moved into place by build()
        for name in names:
            edition = EDITIONS[name]
            clock = _Stopwatch(name)
            first = len(staged)
            if edition.kind == "pdf":
                run = build_pdf(config, manuscript, edition, out_dir, epoch, figures, clock)
            else:
                pages = next((r.page_texts for r in runs if r.edition == "print"), None)
                if pages is None:                                 # print not rebuilt: lay it out
                    with clock.stage("print pages"):
                        pages = lay_out_print(config, manuscript, epoch, figures)
                run = build_epub(config, manuscript, edition, out_dir, epoch, figures, clock, pages)
            run.timings, run.staged = clock.timings, staged[first:]
            runs.append(run)
    return runs


def _run_groups(root: Path, groups: list[tuple[str, ...]], out_dir: Path, epoch: int,
                figures: Figures, jobs: int) -> list[_EditionRun]:
    if jobs > 1 and len(groups) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(groups))) as pool:
            futures = [pool.submit(_build_group, root, g, out_dir, epoch, figures) for g in groups]
            return [run for f in futures for run in f.result()]
    return [run for g in groups for run in _build_group(root, g, out_dir, epoch, figures)]


def edition_key(config: Config, name: str, epoch: int, fonts: tuple[Path, ...]) -> str:
    """The inputs key of an edition, and of the editions whose layout it uses (DEPENDS)."""
    key = inputs_key(config, name, tuple(EDITIONS), epoch, fonts)
    if name not in DEPENDS:
        return key
    parts = [key] + [inputs_key(config, other, tuple(EDITIONS), epoch, fonts) for other in DEPENDS[name]]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def build(
    project: Path | str = ".",
    out: Path | str | None = None,
    editions: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    progress: Progress | None = None,
    force: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Build the book in `project` into `out` (default: PROJECT/dist), skipping unchanged editions."""
    environ = os.environ if environ is None else environ
    emit = progress or (lambda event: None)
    config = load_config(Path(project))                          # book.toml -> Config
    chosen = select_editions(editions)                            # which outputs
    out_dir = Path(out).resolve() if out is not None else config.root / "dist"
    ensure_writable(out_dir)
    epoch = build_epoch(config, environ)
    fonts = tuple(f.path for f in require_cjk_fonts(styles_dir=config.styles_dir))  # never tofu
    keys = {e.name: edition_key(config, e.name, epoch, fonts) for e in chosen}
    with build_lock(out_dir, lambda: emit(StageEvent("lock", "all", "wait"))):  # one build at a time
        return _build_locked(config, chosen, out_dir, epoch, keys, emit, force, jobs)


def _build_locked(config: Config, chosen: list[Edition], out_dir: Path, epoch: int, keys: dict[str, str],
                  emit: Progress, force: bool, jobs: int | None) -> BuildResult:
    """The part of a build that reads and writes `out_dir`: run only under its lock."""
    previous = load_state(out_dir)
    stale = [e.name for e in chosen if force or not is_current(out_dir, previous.get(e.name), keys[e.name])]
    for name in (e.name for e in chosen if e.name not in stale):
        emit(StageEvent("build", name, "skip"))
    runs: list[_EditionRun] = []
    if stale:
        from .figures import render_figures
        from .manuscript import parse_manuscript

        manuscript = parse_manuscript(config.manuscript_dir)      # report manuscript errors once, early
        started = time.perf_counter()
        figures = render_figures(config.root, config.figures_dir, manuscript)  # facts checked, figures drawn
        figure_time = StageEvent("figures", "all", "done", time.perf_counter() - started)
        groups = [tuple(n for n in g if n in stale) for g in GROUPS]
        groups = [g for g in groups if g]
        for name in stale:
            emit(StageEvent("build", name, "start"))
        with output_transaction(out_dir) as staged:               # every output appears, or none
            runs = _run_groups(config.root, groups, out_dir, epoch, figures, jobs or os.cpu_count() or 1)
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
    warnings = [w for run in runs for w in run.warnings]
    report = write_report(out_dir, outputs, timings, warnings)
    return BuildResult(
        tuple(Output(o.edition, o.path, o.state.pages, o.rebuilt) for o in outputs),
        tuple(timings), tuple(warnings), report,
    )
