"""Post-build checks: each returns Findings about an output; `check_outputs` runs them all.

`lint` measures clreq typography on the laid-out pages of the PDF editions.
"""
from __future__ import annotations

from .base import Finding, check_outputs
from .lint import LintFinding, LintReport, lint, lint_document

__all__ = ["Finding", "LintFinding", "LintReport", "check_outputs", "lint", "lint_document"]
