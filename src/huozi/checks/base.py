"""The check table: one function per kind of output, all returning Findings."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import SourceLocation


@dataclass(frozen=True)
class Finding:
    """One problem a check found; errors fail `huozi check`, warnings only with --strict."""

    check: str
    level: str  # "error", "warning", or "note" (a check that could not run and why, or a measurement: fails nothing)
    message: str
    where: SourceLocation | None = None
    # A note saying the check could not run at all (its tool is not installed): JUnit's <skipped>.
    not_run: bool = False

    def __str__(self) -> str:
        return self.display()

    def display(self, cwd: Path | None = None) -> str:
        """`where: level: [check] message`, the file relative to `cwd` when it lies inside it."""
        place = f"{self.where.display(cwd)}: " if self.where else ""
        return f"{place}{self.level}: [{self.check}] {self.message}"


@dataclass(frozen=True)
class CheckRun:
    """One check of one subject (an output file, or the manuscript) and all it found."""

    check: str
    subject: Path
    findings: tuple[Finding, ...]

    @property
    def not_run(self) -> Finding | None:
        """The note saying why the check could not run, if it could not."""
        return next((f for f in self.findings if f.not_run), None)


Check = Callable[[Config, Path], list[Finding]]


# Each check by the name its Findings carry, so a check that found nothing is still named.
def _epub_checks() -> list[tuple[str, Check]]:
    from .epubcheck import run_epubcheck
    from .validators import run_ace

    return [("epubcheck", run_epubcheck), ("ace", run_ace)]


def _pdf_checks(edition: str) -> list[tuple[str, Check]]:
    from .lint import check_typography
    from .pdf_structure import check_fonts, check_qpdf

    checks = [("qpdf", check_qpdf), ("fonts", check_fonts), ("typography", check_typography)]
    if edition == "handout":  # the tagged PDF/UA-1 edition
        from .pdf_tags import check_tags
        from .validators import run_pdfua

        checks += [("pdf-tags", check_tags), ("pdfua", run_pdfua)]
    if edition == "print":  # the PDF/X-4 press edition
        from .images import check_image_resolution
        from .pdf_colour import check_press_colour

        checks += [("press-colour", check_press_colour), ("images", check_image_resolution)]
    return checks


def _site_checks() -> list[tuple[str, Check]]:
    from .html_axe import run_axe
    from .html_site import check_site

    checks: list[tuple[str, Check]] = [("site", check_site), ("axe", run_axe)]
    return checks


def run_checks(config: Config, outputs: dict[str, Path]) -> list[CheckRun]:
    """Run every check that applies to each output (edition name -> file), one CheckRun each."""
    from .images import check_alt_text

    runs: list[CheckRun] = []
    if outputs:  # the manuscript's, once for the book: every image described
        runs.append(CheckRun("images", config.manuscript_dir,
                             tuple(check_alt_text(config, next(iter(outputs.values()))))))
    for edition, path in sorted(outputs.items()):
        folder = edition == "html"  # the html edition is a folder (a static site)
        if not (path.is_dir() if folder else path.is_file()):
            runs.append(CheckRun("exists", path, (Finding("exists", "error", f"{edition} output is missing; "
                                                          "run huozi build first", SourceLocation(path)),)))
            continue
        checks = _site_checks() if folder else _epub_checks() if path.suffix == ".epub" else _pdf_checks(edition)
        for name, check in checks:
            try:
                findings = check(config, path)
            except Exception as exc:  # a damaged file: qpdf says how; this check cannot run at all
                if type(exc).__module__.split(".")[0] != "pikepdf":
                    raise
                findings = [Finding(name, "error", f"cannot read the file: {exc}", SourceLocation(path))]
            runs.append(CheckRun(name, path, tuple(findings)))
    return runs


def check_outputs(config: Config, outputs: dict[str, Path]) -> list[Finding]:
    """Every Finding of `run_checks`, in order."""
    return [finding for run in run_checks(config, outputs) for finding in run.findings]
