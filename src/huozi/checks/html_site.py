"""The html edition's site, read as a browser reads it: every page parses, names its language and
title, runs no script, and every link, stylesheet, font and image it names is in the site."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from ..config import Config
from ..errors import SourceLocation
from .findings import Finding

CHECK = "site"
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def check_site(config: Config, folder: Path) -> list[Finding]:
    """Every page and stylesheet of the site in `folder`; a finding at the manuscript line of the
    block it concerns, where there is one."""
    pages = {p.relative_to(folder).as_posix(): html.parse(str(p)).getroot() for p in sorted(folder.rglob("*.html"))}
    ids = {name: set(root.xpath("//@id")) for name, root in pages.items()}
    findings: list[Finding] = []
    if "index.html" not in pages:
        findings.append(Finding(CHECK, "error", "the site has no index.html", SourceLocation(folder)))
    for name, root in pages.items():
        findings += _page_findings(config, folder, name, root, ids)
    for sheet in sorted(folder.rglob("*.css")):
        for url in _URL_IN_CSS.findall(sheet.read_text(encoding="utf-8")):
            if not url.startswith(("data:", "http:", "https:")) and not (sheet.parent / unquote(url)).is_file():
                findings.append(Finding(CHECK, "error", f"{sheet.relative_to(folder)} names {url}, which the site "
                                        "does not have", SourceLocation(sheet)))
    return findings


def _page_findings(config: Config, folder: Path, name: str, root: Any, ids: dict[str, set[str]]) -> list[Finding]:
    """What is wrong with one page: its language, its title, a script, a link leading nowhere."""
    page = folder / name
    findings = []
    if not root.get("lang"):
        findings.append(Finding(CHECK, "error", f"{name}: <html> has no lang", SourceLocation(page)))
    if not (root.findtext(".//title") or "").strip():
        findings.append(Finding(CHECK, "error", f"{name}: the page has no title", SourceLocation(page)))
    for element in root.iter(etree.Element):
        if element.tag == "script" or any(a.lower().startswith("on") for a in element.attrib):
            findings.append(Finding(CHECK, "error", f"{name}: a script in a built page (<{element.tag}>); "
                                    "the html edition needs none", _where(config, page, element)))
    named = [(e, "href") for e in root.iter("a", "link")] + [(e, "src") for e in root.iter("img")]
    for element, attribute in named:
        problem = _broken(folder, name, element.get(attribute), ids)
        if problem:
            findings.append(Finding(CHECK, "error", f"{name}: <{element.tag} {attribute}> {problem}",
                                    _where(config, page, element)))
    return findings


def _broken(folder: Path, page: str, url: str | None, ids: dict[str, set[str]]) -> str:
    """Why `url` on `page` leads nowhere, or "" when it leads to a file (and id) of the site."""
    if url is None:
        return "is empty"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return ""  # the web: not ours to check
    target = (Path(page).parent / unquote(parts.path)).as_posix() if parts.path else page
    resolved = (folder / target).resolve()
    if not resolved.is_relative_to(folder.resolve()) or not resolved.is_file():
        return f"leads to {url}, which the site does not have"
    name = resolved.relative_to(folder.resolve()).as_posix()
    if parts.fragment and name in ids and unquote(parts.fragment) not in ids[name]:
        return f"leads to #{parts.fragment}, which {name} does not have"
    return ""


def _where(config: Config, page: Path, element: Any) -> SourceLocation:
    """The manuscript line of the block holding `element` (its data-line, in the article of its
    data-src), or the page."""
    line = next((e.get("data-line") for e in element.iterancestors() if e.get("data-line")), element.get("data-line"))
    source = next((e.get("data-src") for e in [element, *element.iterancestors()] if e.get("data-src")), None)
    if source is None:
        article = element.getroottree().find(".//article[@data-src]")
        source = article.get("data-src") if article is not None and line else None
    if source and Path(source).name == source:
        return SourceLocation(config.manuscript_dir / source, int(line) if line and line.isdigit() else None)
    return SourceLocation(page)
