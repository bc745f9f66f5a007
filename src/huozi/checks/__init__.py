"""Post-build checks: each returns Findings about an output; `check_outputs` runs them all."""
from __future__ import annotations

from .base import Finding, check_outputs

__all__ = ["Finding", "check_outputs"]
