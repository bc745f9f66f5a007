"""Checks of the styles folder before anything is rendered: every template and stylesheet is UTF-8,
no template includes itself (directly or round a loop), no stylesheet uses `@import`.

Jinja would otherwise fail with a bare UnicodeDecodeError or a RecursionError, and WeasyPrint
would silently ignore an `@import` of a stylesheet that is inlined into the page.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from ..errors import SourceLocation, TemplateError
from ..sources import BOM, decode

STYLE_SUFFIXES = (".j2", ".css", ".html", ".xhtml")
_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def style_files(styles_dir: Path) -> list[Path]:
    """The templates and stylesheets of the styles folder (hidden files and folders left out)."""
    if not styles_dir.is_dir():
        return []
    return sorted(p for p in styles_dir.rglob("*") if p.suffix in STYLE_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(styles_dir).parts))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_styles(styles_dir: Path) -> None:
    """Raise TemplateError (file:line and a hint) for the first defect found in the styles folder."""
    sources: dict[str, tuple[Path, str]] = {}
    for path in style_files(styles_dir):
        data = path.read_bytes()
        if data.startswith(BOM.encode()):
            raise TemplateError("the file starts with a byte-order mark (BOM), which would be printed",
                                SourceLocation(path, 1), f"save {path.name} as UTF-8 without BOM")
        text = decode(data, path, TemplateError)
        sources[path.relative_to(styles_dir).as_posix()] = (path, text)
        if path.suffix == ".css":
            # Comments blanked (same length), so positions stay those of the file.
            code = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)
            if found := _IMPORT.search(code):
                raise TemplateError("@import is not supported: the stylesheet is set inline in the page, "
                                    "where WeasyPrint would ignore it", SourceLocation(path, *_line_col(text, found.start())),
                                    "copy the rules into this stylesheet, or {% include \"…\" %} the other "
                                    "stylesheet from the template")
    _check_include_loops(sources)


@functools.lru_cache(maxsize=256)   # by text: a watch parses only the templates edited since
def _references(text: str) -> tuple[tuple[str, int], ...]:
    """(template name, offset) of each {% include/extends/import/from "name" %} with a constant name."""
    import jinja2
    from jinja2 import meta

    try:
        names = set(filter(None, meta.find_referenced_templates(jinja2.Environment().parse(text))))
    except jinja2.TemplateSyntaxError:
        return ()  # reported with its line when the template is rendered
    found = []
    for match in re.finditer(r"\{%-?\s*(?:include|extends|import|from)\s+([\"'])(.+?)\1", text):
        if match[2] in names:
            found.append((match[2], match.start()))
    return tuple(found)


def _check_include_loops(sources: dict[str, tuple[Path, str]]) -> None:
    graph = {name: _references(text) for name, (_, text) in sources.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in done or name not in graph:
            return
        for target, offset in graph[name]:
            if target in trail + [name]:
                path, text = sources[name]
                loop = " → ".join(trail[trail.index(target):] + [name, target]) if target in trail \
                    else f"{name} → {target}"
                raise TemplateError(f"'{name}' includes itself ({loop}): it would never end",
                                    SourceLocation(path, *_line_col(text, offset)),
                                    "remove the include, or include a different template")
            visit(target, trail + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
