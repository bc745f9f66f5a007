"""Post-build checks of the outputs; `lint` measures clreq typography on the laid-out PDF pages."""
from .lint import Finding, LintReport, lint, lint_document

__all__ = ["Finding", "LintReport", "lint", "lint_document"]
