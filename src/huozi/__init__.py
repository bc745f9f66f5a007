"""huozi (活字): a CJK-first builder of print-ready PDF and EPUB 3 books."""
from __future__ import annotations

from .version import __version__

TYPE_CHECKING = False  # not typing's: importing typing costs a no-op build (huozi.quick) milliseconds
if TYPE_CHECKING:
    from typing import Any

    from .errors import HuoziError
    from .pipeline import BuildResult, Output, build

__all__ = ["BuildResult", "HuoziError", "Output", "build", "__version__"]

# Imported when first asked for (PEP 562): `python -m huozi` and the `huozi` command import this
# package before huozi.quick answers a no-op build, which must not wait for the pipeline's imports.
_LAZY = {"BuildResult": "pipeline", "Output": "pipeline", "build": "pipeline", "HuoziError": "errors"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
