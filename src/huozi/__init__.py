"""huozi (活字): a CJK-first builder of print-ready PDF and EPUB 3 books."""
from __future__ import annotations

from .errors import HuoziError
from .pipeline import BuildResult, Output, build
from .version import __version__

__all__ = ["BuildResult", "HuoziError", "Output", "build", "__version__"]
