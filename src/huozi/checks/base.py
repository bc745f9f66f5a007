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

    def __str__(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{place}{self.level}: [{self.check}] {self.message}"


Check = Callable[[Config, Path], list[Finding]]


def _epub_checks() -> list[Check]:
    from .epubcheck import run_epubcheck
    from .validators import run_ace

    return [run_epubcheck, run_ace]


def _pdf_checks(edition: str) -> list[Check]:
    from .lint import check_typography
    from .pdf_structure import check_fonts, check_qpdf

    checks = [check_qpdf, check_fonts, check_typography]
    if edition == "handout":  # the tagged PDF/UA-1 edition
        from .pdf_tags import check_tags
        from .validators import run_pdfua

        checks += [check_tags, run_pdfua]
    if edition == "print":  # the PDF/X-4 press edition
        from .images import check_image_resolution
        from .pdf_colour import check_press_colour

        checks += [check_press_colour, check_image_resolution]
    return checks


def check_outputs(config: Config, outputs: dict[str, Path]) -> list[Finding]:
    """Run every check that applies to each output (edition name -> file)."""
    from .images import check_alt_text

    findings: list[Finding] = []
    if outputs:  # the manuscript's, once for the book: every image described
        findings.extend(check_alt_text(config, next(iter(outputs.values()))))
    for edition, path in sorted(outputs.items()):
        if not path.is_file():
            findings.append(Finding("exists", "error", f"{edition} output is missing; run huozi build first",
                                    SourceLocation(path)))
            continue
        checks = _epub_checks() if path.suffix == ".epub" else _pdf_checks(edition)
        for check in checks:
            try:
                findings.extend(check(config, path))
            except Exception as exc:  # a damaged file: qpdf says how; this check cannot run at all
                if type(exc).__module__.split(".")[0] != "pikepdf":
                    raise
                findings.append(Finding(getattr(check, "__name__", "check").removeprefix("check_"), "error",
                                        f"cannot read the file: {exc}", SourceLocation(path)))
    return findings
