"""PDF variants: which conformance each PDF edition claims, and the options that claim needs.

Modelled on WeasyPrint's own table (`weasyprint/pdf/__init__.py`, VARIANTS): one row per
claim, named by an edition's `Paged.variant` (editions.py) and read by `pdf_options`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..config import Config, config_key_line
from ..editions import Edition
from ..errors import ConfigError, SourceLocation
from .options import PdfOptions


@dataclass(frozen=True)
class PdfVariant:
    """The conformance one PDF edition claims."""

    weasyprint: str       # WeasyPrint's pdf_variant
    claim: str            # the standard's own name, as the README and the checks say it
    press: bool           # PDF/X: CMYK output intent, exact BleedBox, neutral colours as gray


VARIANTS: dict[str, PdfVariant] = {
    # ISO 15930-7: fonts embedded, boxes set, colour defined for one press condition.
    "print": PdfVariant("pdf/x-4", "PDF/X-4", press=True),
    # ISO 14289-1: tagged structure, language, title shown, alt text.
    "handout": PdfVariant("pdf/ua-1", "PDF/UA-1", press=False),
}


def iso_date(epoch: int) -> str:
    """The build date as W3C/ISO 8601 for XMP and the Info dictionary (UTC, no clock read)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def output_profile_path(config: Config) -> Path:
    """The press's ICC profile: relative paths are read from the project folder."""
    path = Path(config.print.output_profile)
    path = path if path.is_absolute() else config.root / path
    if not path.is_file():
        # Checked when the press edition is built, not in load_config: a book is built on machines
        # without the profile (an EPUB alone), and the file may appear between two builds.
        raise ConfigError(
            f"the print output profile {path} does not exist",
            SourceLocation(config.path, config_key_line(config.path, "output_profile", "print")),
            "install Debian's libgs-common (Ghostscript's CMYK profile), or set "
            "[print] output_profile in book.toml to the printer's .icc file")
    return path


def pdf_options(config: Config, edition: Edition, epoch: int) -> PdfOptions:
    """Everything the PDF writer needs for one paged edition, derived from the config alone."""
    variant = VARIANTS.get(edition.paged.variant) if edition.paged is not None else None
    edition_name = edition.name
    options = PdfOptions(
        base_dir=config.styles_dir,
        project_root=config.root,
        variant=variant.weasyprint if variant else None,
        # Deterministic: PDF/X-4 would otherwise write a random /ID and XMP DocumentID.
        identifier=f"{config.book.identifier}/{edition_name}",
        date=iso_date(epoch),
        allow_hosts=config.security.allow_hosts,  # [security]: the network is off unless listed
    )
    if variant is None or not variant.press:
        return options
    return options.for_press(output_profile_path(config), config.print.bleed_pt)
