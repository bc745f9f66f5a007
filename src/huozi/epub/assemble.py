"""The book model -> an EpubPackage: documents from the project's EPUB templates."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from ..cache import cache_path
from ..config import Config
from ..editions import EDITIONS, Edition
from ..errors import SourceLocation, TemplateError
from ..figures import Figures
from ..figures.images import ImageSet
from ..layout.links import heading_numbers, toc_tree
from ..layout.render import config_view, render_edition, render_template, template_env
from ..manuscript.model import Manuscript
from ..pagetext import PageText
from .accessibility import accessibility_meta, book_facts
from .pagebreaks import PageBreak, place_page_breaks
from .writer import EpubAsset, EpubDocument, EpubPackage

CSS_NAME = "style/book.css"


def chapter_file(slug: str) -> str:
    """An article's document in the package (`Edition.chapters` in text/): "chapter-" keeps it clear
    of the book's own pages (title, cover, nav) whatever the article is called (03-title.md)."""
    return "text/" + EDITIONS["epub"].document(slug)


def chapter_uid(slug: str) -> str:
    return f"chapter-{slug}"


NAV_NAME = "nav.xhtml"  # where epub/writer.py puts the navigation document
COVER_IMAGE = "images/cover.png"


def _css(config: Config, env, common: dict) -> bytes:
    """The EPUB stylesheet, filled in like the PDF editions' (the `[fonts]` families)."""
    return render_template(env, config.styles_dir, "epub/epub.css", **common).encode("utf-8")


def assemble_epub(config: Config, manuscript: Manuscript, modified: dt.datetime,
                  figures: Figures | None = None, print_pages: Sequence[PageText] = (),
                  images: ImageSet | None = None, edition: Edition | None = None) -> EpubPackage:
    """Render the cover, title page, one document per article and the nav into a package.

    `print_pages` is the print edition's layout: with it the EPUB gets the print page numbers.
    `images` are the manuscript's image files, packaged as they are (see `_image_assets`).
    """
    edition = edition or EDITIONS["epub"]
    env = template_env(config.styles_dir)
    book = config.book
    css_href = "../" + CSS_NAME
    common: dict[str, Any] = {"book": book, "config": config_view(config), "css_href": css_href, "edition": edition,
              "cpu_seconds": config.security.template_seconds}
    cover, cover_image = _cover(config, env, common)
    title = EpubDocument("text/title.xhtml", book.title,
                         render_template(env, config.styles_dir, "epub/title.xhtml.j2", **common),
                         "title", in_toc=False)
    documents = [title]
    toc = []
    for article in manuscript.articles:
        name = chapter_file(article.slug)
        content = render_edition(config, manuscript, edition, article=article, figures=figures,
                                 extra={"css_href": css_href}, images=images)
        tree = toc_tree(article, config.toc.depth, heading_numbers(manuscript, config.headings.numbering))
        children = tuple((f"{name}#{e['id']}", e["title"]) for e in tree)
        # EPUB 3.3 section 5.6.2.2: a document with inline SVG says so in the manifest.
        svg = ("svg",) if "<svg" in content else ()
        documents.append(EpubDocument(name, article.title, content, chapter_uid(article.slug), svg,
                                      toc_children=children))
        toc.append({"href": name, "title": article.title, "children": _nav_entries(name, tree)})
    for template, doc in [("cover.xhtml.j2", cover), ("title.xhtml.j2", title),
                          *(("article.xhtml.j2", d) for d in documents[1:])]:
        _check_xhtml(config, template, doc.content)

    def render_nav(page_list: Sequence[PageBreak]) -> str:
        nav = render_template(env, config.styles_dir, "epub/nav.xhtml.j2", toc=toc,
                              title_href=title.file_name, start_href=documents[1].file_name,
                              page_list=page_list, cover_href=cover.file_name,
                              **{**common, "css_href": CSS_NAME})
        _check_xhtml(config, "nav.xhtml.j2", nav)
        return nav

    documents, nav, page_list = _mark_print_pages(documents, render_nav, print_pages)
    contents = [cover.content, *(d.content for d in documents), nav]
    fonts, font_css = _fonts(config, contents)
    facts = book_facts(book.language, contents, page_list=bool(page_list))
    assets = (EpubAsset(CSS_NAME, "text/css", font_css.encode() + _css(config, env, common), "css"),
              cover_image, *_image_assets(images, config.images.epub_shrink_jpeg), *fonts)
    return EpubPackage(
        identifier=book.identifier, title=book.title, language=book.language,
        creators=book.creators, publisher=book.publisher, date=book.date, subtitle=book.subtitle,
        modified=modified, nav=nav, documents=(cover, *documents), assets=assets,
        extra_meta=accessibility_meta(facts, config.epub.accessibility_assessed_by),
        page_list=tuple((b.number, b.href) for b in page_list),
        # The print PDF carries the same identifier (pdf.variants.pdf_options): the pages are its pages.
        pagination_source=f"{book.identifier}/print" if page_list else "",
    )


# A JPEG wider than this is scaled to it when `[images] epub_shrink_jpeg` asks (quality 85).
EPUB_JPEG_WIDTH = 1600


def _image_assets(images: ImageSet | None, shrink_jpeg: bool) -> tuple[EpubAsset, ...]:
    """Each image file once, with its media type; its bytes as supplied (a JPEG is not re-encoded
    unless `shrink_jpeg`, and then only when it is wider than EPUB_JPEG_WIDTH)."""
    assets: dict[str, EpubAsset] = {}
    for image in (images.files.values() if images is not None else ()):
        if image.name in assets:
            continue
        data = image.path.read_bytes()
        if shrink_jpeg and image.kind == "jpeg" and image.width > EPUB_JPEG_WIDTH:
            data = _shrunk_jpeg(data)
        uid = "img-" + image.name.rpartition("/")[2].rpartition(".")[0]
        assets[image.name] = EpubAsset(image.name, image.media_type, data, uid)
    return tuple(assets.values())


def _shrunk_jpeg(data: bytes) -> bytes:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        height = round(image.height * EPUB_JPEG_WIDTH / image.width)
        icc = image.info.get("icc_profile")
        smaller = image.resize((EPUB_JPEG_WIDTH, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        smaller.save(buffer, format="JPEG", quality=85, optimize=True, **({"icc_profile": icc} if icc else {}))
    return buffer.getvalue()


def _nav_entries(file_name: str, tree: list[dict]) -> list[dict]:
    return [{"href": f"{file_name}#{e['id']}", "title": e["title"], "children": _nav_entries(file_name, e["children"])}
            for e in tree]


def _check_xhtml(config: Config, template: str, content: str) -> None:
    """Fail with the template's name when it renders XHTML that an EPUB reader would reject."""
    try:
        etree.fromstring(content.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"renders XHTML that is not well-formed: {exc.msg} (line {exc.lineno} of the output)",
                            SourceLocation(config.styles_dir / "epub" / template),
                            "EPUB documents are XML: close every tag (<br />, <img ... />) and escape & as &amp;") from None


def _cover(config: Config, env, common: dict) -> tuple[EpubDocument, EpubAsset]:
    """The generated cover image and the page that shows it (first in the spine)."""
    from .cover import book_cover

    book = config.book
    alt = "封面：" + "，".join(t for t in (book.title, book.subtitle, "、".join(book.creators), book.publisher) if t)
    content = render_template(env, config.styles_dir, "epub/cover.xhtml.j2", image_href="../" + COVER_IMAGE,
                              alt=alt, **common)
    image = EpubAsset(COVER_IMAGE, "image/png", book_cover(config), "cover-image", ("cover-image",))
    return EpubDocument("text/cover.xhtml", "封面", content, "cover", in_toc=False), image


def _mark_print_pages(documents: list[EpubDocument], render_nav: Callable[[Sequence[PageBreak]], str],
                      print_pages: Sequence[PageText]) -> tuple[list[EpubDocument], str, tuple[PageBreak, ...]]:
    """Page break markers where the print pages begin, and the nav with the page-list of them.

    The nav takes part: the print edition's contents page maps to it. Its page-list lists the
    markers, so it is rendered once the places are known and the markers placed again in it;
    hidden parts of the nav are not in the text compared, so the places come out the same.
    """
    if not print_pages:
        return documents, render_nav(()), ()
    breaks: tuple[PageBreak, ...] = ()
    for _ in range(3):  # the places settle at once; the bound only guards against a loop
        nav = render_nav(breaks)
        spine = [(documents[0].file_name, documents[0].content), (NAV_NAME, nav),
                 *((d.file_name, d.content) for d in documents[1:])]
        contents, placed = place_page_breaks(spine, print_pages)
        if placed == breaks:
            break
        breaks = placed
    marked = [dataclasses.replace(d, content=c) for d, c in zip(documents, contents[:1] + contents[2:])]
    return marked, contents[1], breaks


def _fonts(config: Config, contents: Sequence[str]) -> tuple[tuple[EpubAsset, ...], str]:
    """Subset font files and their @font-face rules, when `[epub] embed_fonts` is on."""
    if not config.epub.embed_fonts:
        return (), ""
    from ..fonts import MONO, QUOTE, SANS, SERIF
    from .fonts import embed_fonts

    families = {SERIF: config.fonts.body, SANS: config.fonts.heading, MONO: config.fonts.mono,
                QUOTE: config.fonts.quote}
    return embed_fonts(contents, cache_path(config.root, "fonts"), families)
