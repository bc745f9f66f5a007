"""The book model -> an EpubPackage: documents from the project's EPUB templates."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..config import Config
from ..figures import Figures
from ..errors import TemplateError, SourceLocation
from ..layout.render import EDITIONS, render_edition, render_template, template_env
from ..manuscript.model import Manuscript
from .writer import EpubAsset, EpubDocument, EpubPackage

CSS_NAME = "style/book.css"


def _css(config: Config) -> bytes:
    path = config.styles_dir / "epub" / "epub.css"
    if not path.is_file():
        raise TemplateError("the EPUB stylesheet does not exist", SourceLocation(path),
                            "create styles/epub/epub.css (huozi new makes a default one)")
    return path.read_bytes()


def _figure_assets(figures: Figures | None) -> tuple[EpubAsset, ...]:
    """The SVG of every figure the manuscript places, as package resources."""
    if not figures:
        return ()
    return tuple(EpubAsset(figures[i].file_name, "image/svg+xml", figures[i].svg.encode("utf-8"), f"fig-{i}")
                 for i in dict.fromkeys(figures.placed))


def assemble_epub(config: Config, manuscript: Manuscript, modified: dt.datetime,
                  figures: Figures | None = None) -> EpubPackage:
    """Render the title page, one document per article and the nav into a package."""
    edition = EDITIONS["epub"]
    env = template_env(config.styles_dir)
    book = config.book
    css_href = "../" + CSS_NAME
    common = {"book": book, "config": config, "css_href": css_href, "edition": edition}
    title = EpubDocument("text/title.xhtml", book.title,
                         render_template(env, config.styles_dir, "epub/title.xhtml.j2", **common),
                         "title", in_toc=False)
    documents = [title]
    toc = []
    for article in manuscript.articles:
        name = f"text/{article.slug}.xhtml"
        content = render_edition(config, manuscript, edition, article=article, figures=figures,
                                 extra={"css_href": css_href})
        children = tuple((f"{name}#{s.anchor}", s.heading.text) for s in article.sections if s.heading)
        documents.append(EpubDocument(name, article.title, content, article.slug, toc_children=children))
        toc.append({"href": name, "title": article.title,
                    "children": [{"href": h, "title": t} for h, t in children]})
    nav = render_template(env, config.styles_dir, "epub/nav.xhtml.j2", toc=toc,
                          title_href=title.file_name, start_href=documents[1].file_name,
                          **{**common, "css_href": CSS_NAME})
    assets = (EpubAsset(CSS_NAME, "text/css", _css(config), "css"), *_figure_assets(figures))
    return EpubPackage(
        identifier=book.identifier, title=book.title, language=book.language,
        creators=book.creators, publisher=book.publisher, date=book.date, subtitle=book.subtitle,
        modified=modified, nav=nav, documents=tuple(documents), assets=assets,
    )
