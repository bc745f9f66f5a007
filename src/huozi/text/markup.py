"""Inline runs -> escaped HTML; the one place body text becomes markup."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from ..manuscript.model import Inline

_TAGS = {"em": "em", "strong": "strong", "code": "code"}


def inlines_to_html(inlines: Iterable[Inline], typeset: Callable[[str], Markup] | None = None) -> Markup:
    """Render runs as HTML; `typeset` turns plain text into markup (CJK spacing spans)."""
    out = []
    for run in inlines:
        body = typeset(run.text) if typeset and run.kind != "code" else escape(run.text)
        if run.kind == "link" and _safe_href(run.href):
            out.append(Markup('<a href="{}">{}</a>').format(run.href, body))
        elif run.kind in _TAGS:
            out.append(Markup("<{0}>{1}</{0}>").format(Markup(_TAGS[run.kind]), body))
        else:
            out.append(body)
    return Markup("").join(out)


def _safe_href(href: str) -> bool:
    # Only web links and in-book anchors: no javascript:, file: or data: URLs in any edition.
    return href.startswith(("https://", "http://", "#", "mailto:"))
