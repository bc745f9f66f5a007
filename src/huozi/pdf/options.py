"""What WeasyPrint needs besides the HTML, for one PDF edition (read by the writer and the finisher)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class PdfOptions:
    """What WeasyPrint needs besides the HTML."""

    base_dir: Path
    project_root: Path
    variant: str | None = None
    identifier: str | None = None
    allow_hosts: tuple[str, ...] = ()
    date: str | None = None                  # ISO 8601; without it PDF/X-4 reads the clock
    output_profile: Path | None = None       # CMYK ICC profile: the PDF/X output intent
    bleed_pt: float | None = None            # exact BleedBox distance from the TrimBox

    def for_press(self, output_profile: Path, bleed_pt: float) -> PdfOptions:
        """These options for a PDF/X file: output intent and exact bleed."""
        return replace(self, output_profile=output_profile, bleed_pt=bleed_pt)
