"""build(): the whole pipeline, one line per stage."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, load_config
from .errors import ConfigError, HuoziError
from .fonts import require_cjk_fonts
from .layout.render import EDITIONS, Edition, render_edition
from .manuscript import Manuscript, parse_manuscript
from .output import ensure_writable, output_transaction


@dataclass(frozen=True)
class Output:
    """One file the build wrote."""

    edition: str
    path: Path
    pages: int | None = None


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    outputs: tuple[Output, ...]
    warnings: tuple[str, ...] = field(default=())


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


def build_pdf(config: Config, manuscript: Manuscript, edition: Edition, out: Path) -> Output:
    """Template -> HTML -> WeasyPrint -> PDF."""
    from .pdf.writer import PdfOptions, write_pdf

    html = render_edition(config, manuscript, edition)
    target = out / f"{config.book.slug}{edition.suffix}"
    options = PdfOptions(base_dir=config.styles_dir, project_root=config.root,
                         identifier=f"{config.book.identifier}/{edition.name}",
                         allow_hosts=config.security.allow_hosts)
    result = write_pdf(html, target, options)
    return Output(edition.name, result.path, result.pages)


def build_epub(config: Config, manuscript: Manuscript, edition: Edition, out: Path, epoch: int) -> Output:
    """Templates -> XHTML documents -> ebooklib -> reproducible zip."""
    from .epub.assemble import assemble_epub
    from .epub.writer import write_epub

    modified = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    package = assemble_epub(config, manuscript, modified)
    target = out / f"{config.book.slug}{edition.suffix}"
    return Output(edition.name, write_epub(package, target, epoch))


def build(
    project: Path | str = ".",
    out: Path | str | None = None,
    editions: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuildResult:
    """Build the book in `project` into `out` (default: PROJECT/dist)."""
    environ = os.environ if environ is None else environ
    config = load_config(Path(project))                        # book.toml -> Config
    chosen = select_editions(editions)                          # which outputs
    manuscript = parse_manuscript(config.manuscript_dir)        # Markdown -> Manuscript
    require_cjk_fonts(styles_dir=config.styles_dir)             # fail before writing, never tofu
    out_dir = Path(out) if out is not None else config.root / "dist"
    ensure_writable(out_dir)
    epoch = build_epoch(config, environ)
    outputs = []
    with output_transaction(out_dir):                            # locked; all outputs appear, or none
        for edition in chosen:                                   # one writer per kind
            if edition.kind == "pdf":
                outputs.append(build_pdf(config, manuscript, edition, out_dir))
            else:
                outputs.append(build_epub(config, manuscript, edition, out_dir, epoch))
    return BuildResult(tuple(outputs))
