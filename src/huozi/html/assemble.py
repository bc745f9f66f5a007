"""The book model -> a Site: an index page with the contents and one page per article.

One page per article, as the EPUB has one document per article: an article is what a reader
links to and shares, a page loads only its own text (the fonts and the stylesheet are shared
and cached), and links between articles already work that way (layout.links). The steps:

1. each page's text as XHTML from the project's templates (html/index.html.j2, and
   html/article.html.j2 through the shared blocks.html.j2);
2. the print edition's page numbers placed in those texts, as in the EPUB (epub.pagebreaks);
3. each text set in a page of the site (html/page.html.j2: header, skip link, previous and next);
4. the web fonts subset to what the pages set in each face (html.fonts), and the stylesheet;
5. every page serialised as HTML (html.serialize), the images packaged as the EPUB does.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from lxml import etree
from markupsafe import Markup

from ..cache import cache_path
from ..config import Config
from ..editions import EDITIONS
from ..epub.pagebreaks import place_page_breaks
from ..errors import SourceLocation, TemplateError
from ..figures import Figures
from ..figures.images import ImageSet
from ..layout.links import heading_numbers, toc_tree
from ..layout.render import config_view, render_edition, render_template, template_env
from ..manuscript.model import Article, Manuscript
from ..pagetext import PageText
from . import serialize
from .fonts import web_fonts

INDEX = "index.html"
CSS_NAME = "style/site.css"


def html_page(article: Article) -> str:
    """An article's page in the site, beside index.html (`Edition.document`)."""
    return EDITIONS["html"].document(article.slug)


@dataclass(frozen=True)
class Site:
    """Every file of the site by its path inside the site's folder; `pages` in reading order."""

    files: dict[str, bytes]
    pages: tuple[str, ...]


def assemble_site(config: Config, manuscript: Manuscript, figures: Figures | None = None,
                  print_pages: Sequence[PageText] = (), images: ImageSet | None = None) -> Site:
    """The site's pages, stylesheet, fonts and images. With `print_pages` (the print edition's
    layout) and `[html] page_numbers`, the print page numbers stand in the margin."""
    edition = EDITIONS["html"]
    env = template_env(config.styles_dir)
    common: dict[str, Any] = {"book": config.book, "config": config_view(config), "edition": edition,
                              "cpu_seconds": config.security.template_seconds}
    articles = manuscript.articles
    names = [INDEX, *(html_page(a) for a in articles)]
    texts = [_index_text(config, manuscript, env, common)]
    for article in articles:
        texts.append(render_edition(config, manuscript, edition, article=article, figures=figures, images=images))
        _check_xhtml(config, "article.html.j2", texts[-1])
    labels: list[str] = []
    if print_pages and config.html.page_numbers:
        texts = [_page_numbers(t) for t in place_page_breaks(list(zip(names, texts)), print_pages)[0]]
        labels = [page.number for page in print_pages]
    around: list[Article | None] = [None, *articles, None]
    pages = [_page(config, env, common, texts[0], None, None, articles[0] if articles else None)]
    pages += [_page(config, env, common, text, article, around[i], around[i + 2])
              for i, (article, text) in enumerate(zip(articles, texts[1:]))]
    # The page numbers are drawn by the stylesheet (content: attr()), in the body face.
    label_text = f'<p xmlns="{serialize.XHTML}">{" ".join(labels)}</p>'
    fonts, font_css = web_fonts([*pages, label_text], cache_path(config.root, "fonts"), _families(config))
    css = render_template(env, config.styles_dir, "html/site.css", **common)
    files = {name: serialize.to_html(serialize.parse(page)) for name, page in zip(names, pages)}
    files[CSS_NAME] = (font_css + css).encode("utf-8")
    files.update(fonts)
    files.update(_image_files(images))
    return Site(files, tuple(names))


def _page_numbers(text: str) -> str:
    """The EPUB's page break markers made the site's: named by `title` (axe-core, knowing no
    DPUB-ARIA role there, refuses aria-label on a span), the number for the stylesheet to draw
    in `data-page`; of markers side by side (a blank print page) only the last is drawn."""
    root = serialize.parse(text)
    markers = root.findall(f".//{{{serialize.XHTML}}}span[@role='doc-pagebreak']")
    for marker in markers:
        number = marker.attrib.pop("aria-label", "")
        marker.set("title", f"印刷版第{number}页")
        marker.set("data-page", number)
        following = marker.getnext()
        if following is not None and following in markers and not (marker.tail or "").strip():
            marker.set("class", "pb-blank")
    return str(etree.tostring(root, encoding="unicode"))


def _index_text(config: Config, manuscript: Manuscript, env: Environment, common: dict[str, Any]) -> str:
    numbers = heading_numbers(manuscript, config.headings.numbering)
    toc = [{"href": html_page(a), "title": a.title, "byline": a.byline,
            "children": _entries(html_page(a), toc_tree(a, config.toc.depth, numbers))}
           for a in manuscript.articles]
    text = render_template(env, config.styles_dir, "html/index.html.j2", toc=toc, **common)
    _check_xhtml(config, "index.html.j2", text)
    return text


def _entries(page: str, tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"href": f"{page}#{e['id']}", "title": e["title"], "byline": "", "children": _entries(page, e["children"])}
            for e in tree]


def _page(config: Config, env: Environment, common: dict[str, Any], text: str, article: Article | None,
          prev: Article | None, next_: Article | None) -> str:
    """One page of the site around `text`: the index's (no `article`), or an article's."""
    def link(other: Article | None) -> dict[str, str] | None:
        return {"href": html_page(other), "title": other.title} if other is not None else None

    title = f"{article.title} - {config.book.title}" if article is not None else config.book.title
    page = render_template(env, config.styles_dir, "html/page.html.j2", title=title,
                           content=Markup(serialize.body_markup(text)),
                           page="article" if article is not None else "index",
                           css_href=CSS_NAME, prev=link(prev), next=link(next_), **common)
    _check_xhtml(config, "page.html.j2", page)
    return page


def _families(config: Config) -> dict[str, str]:
    from ..fonts import MONO, QUOTE, SANS, SERIF

    return {SERIF: config.fonts.body, SANS: config.fonts.heading, MONO: config.fonts.mono, QUOTE: config.fonts.quote}


def _image_files(images: ImageSet | None) -> dict[str, bytes]:
    """Each image file once, as supplied, where the pages' <img> find it (ImageSet.view)."""
    return {image.name: image.path.read_bytes() for image in (images.files.values() if images else ())}


def _check_xhtml(config: Config, template: str, content: str) -> None:
    """Fail with the template's name when it renders markup that is not well-formed."""
    try:
        serialize.parse(content)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"renders markup that is not well-formed: {exc.msg} (line {exc.lineno} of the output)",
                            SourceLocation(config.styles_dir / "html" / template),
                            "the html edition's templates are XHTML: close every tag (<br />) and escape & as "
                            "&amp;") from None

