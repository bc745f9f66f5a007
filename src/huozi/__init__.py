"""huozi (活字): a CJK-first builder of print-ready PDF and EPUB 3 books."""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import HuoziError  # noqa: E402
from .pipeline import BuildResult, Output, build  # noqa: E402

__all__ = ["BuildResult", "HuoziError", "Output", "build", "__version__"]
