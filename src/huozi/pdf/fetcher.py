"""A URL fetcher for WeasyPrint that serves only files inside the project."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import OutputError


class FetchRefused(OutputError):
    """A stylesheet, image or template asked for something outside the project."""


def check_url(url: str, root: Path) -> None:
    """Raise FetchRefused unless `url` is data: or a file inside `root`."""
    parsed = urlparse(url)
    if parsed.scheme == "data":
        return
    if parsed.scheme != "file":
        raise FetchRefused(f"refused to fetch '{url}': only files inside the project are allowed",
                           hint="put the file in the project folder and refer to it by a relative path")
    path = Path(unquote(parsed.path)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise FetchRefused(f"refused to read '{path}': it is outside the project folder {root}",
                           hint="copy the file into the project and refer to it by a relative path")


def make_url_fetcher(root: Path):
    """A WeasyPrint URLFetcher confined to `root`; any failure stops the build (no silent gaps)."""
    from weasyprint.urls import URLFetcher

    class ProjectFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
            self.refused: list[FetchRefused] = []

        def fetch(self, url, headers=None):
            try:
                check_url(url, root)
            except FetchRefused as exc:
                self.refused.append(exc)
                raise
            return super().fetch(url, headers)

    return ProjectFetcher()
