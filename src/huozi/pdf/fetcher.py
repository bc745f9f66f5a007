"""A URL fetcher for WeasyPrint that serves only files inside the project.

Templates, stylesheets and (through them) a manuscript may name images and stylesheets; none of
them may make the build read a file outside the project folder (`file:///etc/passwd`, `../../`,
a symlink out) or touch the network. `http(s)` is refused unless the host is listed in
`[security] allow_hosts` in book.toml.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..errors import OutputError, SourceLocation, locate

# Where a URL can be written: the layout and the manuscript (searched to point at the culprit).
_REFERENCE_GLOBS = ("styles/**/*.css", "styles/**/*.j2", "styles/**/*.html", "manuscript/*.md")


def read_no_file(urls: Iterable[str]) -> bool:
    """A layout that read nothing but data: URLs depends on its HTML alone (it may be kept)."""
    return all(url.startswith("data:") for url in urls)


class FetchRefused(OutputError):
    """A stylesheet, image or template asked for something outside the project."""


def locate_reference(root: Path, url: str, base: Path | None = None) -> SourceLocation | None:
    """The first place in the project's styles or manuscript that names `url` (file:line:column).

    WeasyPrint hands the fetcher absolute URLs, so look for the URL as it is, then for its path
    relative to `base` (the folder relative URLs are resolved against), then for its file name.
    """
    parsed = urlparse(url)
    needles = [url]
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        if base is not None:
            needles.append(os.path.relpath(path, base))
        needles.append(path.name)
    files = sorted({p for pattern in _REFERENCE_GLOBS for p in root.glob(pattern) if p.is_file()})
    for needle in filter(None, needles):
        if (found := locate(files, needle)) is not None:
            return found
    return None


def check_url(url: str, root: Path, allow_hosts: Iterable[str] = (), base: Path | None = None) -> None:
    """Raise FetchRefused unless `url` is data:, a file inside `root`, or on an allowed host."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "data":
        return
    if scheme in ("http", "https"):
        hosts = {h.lower() for h in allow_hosts}
        if (parsed.hostname or "").lower() in hosts:
            return
        raise FetchRefused(
            f"refused to fetch '{url}': the build does not use the network",
            locate_reference(root, url, base),
            f"copy the file into the project and refer to it by a relative path, or allow the host "
            f"in book.toml: [security] allow_hosts = [\"{parsed.hostname}\"]")
    if scheme != "file":
        raise FetchRefused(f"refused to fetch '{url}': only files inside the project are allowed",
                           locate_reference(root, url, base),
                           "put the file in the project folder and refer to it by a relative path")
    if parsed.netloc not in ("", "localhost"):
        raise FetchRefused(f"refused to fetch '{url}': a file on another host",
                           locate_reference(root, url, base),
                           "copy the file into the project and refer to it by a relative path")
    # resolve() follows symlinks and removes `..`, so neither can lead out of the project.
    path = Path(unquote(parsed.path)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise FetchRefused(f"refused to read '{path}': it is outside the project folder {root}",
                           locate_reference(root, url, base),
                           "copy the file into the project and refer to it by a relative path")


def check_image(url: str, root: Path, base: Path | None = None) -> None:
    """Raise FetchRefused when `url` is a file that is a broken or hostile image."""
    from .images import image_problem

    parsed = urlparse(url)
    if parsed.scheme.lower() != "file":
        return
    path = Path(unquote(parsed.path))
    if path.is_file() and (problem := image_problem(path)):
        shown = os.path.relpath(path, root) if path.is_relative_to(root) else str(path)
        raise FetchRefused(f"cannot use the image '{shown}': {problem}", locate_reference(root, url, base),
                           "replace the file with a working PNG, JPEG or plain SVG image, or remove the reference")


def make_url_fetcher(root: Path, allow_hosts: Iterable[str] = (), base: Path | None = None) -> Any:
    """A WeasyPrint URLFetcher confined to `root`; any failure stops the build (no silent gaps)."""
    from weasyprint.urls import URLFetcher

    hosts = tuple(allow_hosts)

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint's, untyped
        def __init__(self) -> None:
            protocols = ("file", "data") + (("http", "https") if hosts else ())
            super().__init__(allowed_protocols=protocols, fail_on_errors=True)
            self.refused: list[FetchRefused] = []
            self.fetched: list[str] = []  # what the layout read besides its HTML string

        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                check_url(url, root, hosts, base)
                check_image(url, root, base)
            except FetchRefused as exc:
                self.refused.append(exc)
                raise
            self.fetched.append(url)
            return super().fetch(url, headers)

    return ProjectFetcher()
