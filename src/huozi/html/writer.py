"""Write the site: its folder replaced whole, with the build's other outputs or not at all."""
from __future__ import annotations

from pathlib import Path

from ..output import write_folder_atomic
from .assemble import Site


def write_site(site: Site, target: Path) -> Path:
    """Write every file of `site` into the folder `target` (output.write_folder_atomic)."""
    write_folder_atomic(target, site.files)
    return target
