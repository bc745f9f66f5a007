"""The editions table: what a book can be built into (no heavy imports: a no-op build reads it)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    """One output of the book: its template, file suffix and kind."""

    name: str
    template: str
    kind: str  # "pdf", "epub" or "html" (a folder: a static web site)
    suffix: str


EDITIONS: dict[str, Edition] = {
    "handout": Edition("handout", "handout.html.j2", "pdf", "-handout.pdf"),
    "print": Edition("print", "print.html.j2", "pdf", "-print.pdf"),
    "epub": Edition("epub", "epub/article.xhtml.j2", "epub", ".epub"),
    "html": Edition("html", "html/article.html.j2", "html", "-html"),
}
