"""Assemble the EPUB 3 package with ebooklib, overriding its random identifier and clock."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..output import write_bytes_atomic
from .package import normalise_zip


@dataclass(frozen=True)
class EpubDocument:
    """One XHTML file of the package: its name, title, content and OPF properties."""

    file_name: str
    title: str
    content: str
    uid: str
    properties: tuple[str, ...] = ()
    toc_children: tuple[tuple[str, str], ...] = ()  # (href, title) for the NCX and nav
    in_toc: bool = True


@dataclass(frozen=True)
class EpubAsset:
    """A non-XHTML file: stylesheet, image or font."""

    file_name: str
    media_type: str
    content: bytes
    uid: str
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class EpubPackage:
    """Everything the writer puts in the zip, in spine order."""

    identifier: str
    title: str
    language: str
    creators: tuple[str, ...]
    publisher: str
    date: str
    subtitle: str
    modified: dt.datetime
    nav: str
    documents: tuple[EpubDocument, ...]
    assets: tuple[EpubAsset, ...]
    extra_meta: tuple[tuple[str, str], ...] = ()  # (property, value) <meta> elements
    page_list: tuple[tuple[str, str], ...] = ()  # (print page label, href) for the NCX pageList
    pagination_source: str = ""  # identifier of the edition the page numbers come from


def _item(ebooklib_epub, uid: str, file_name: str, media_type: str, content, properties=()):
    item = ebooklib_epub.EpubItem(uid=uid, file_name=file_name, media_type=media_type, content=content)
    item.properties = list(properties)
    return item


def _metadata(book, package: EpubPackage) -> None:
    """Dublin Core and EPUB 3 refinements: main title and subtitle, creators as authors."""
    book.set_identifier(package.identifier)
    book.title = package.title  # the NCX's docTitle
    book.add_metadata("DC", "title", package.title, {"id": "book-title"})
    book.add_metadata(None, "meta", "main", {"refines": "#book-title", "property": "title-type"})
    if package.subtitle:
        book.add_metadata("DC", "title", package.subtitle, {"id": "book-subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#book-subtitle", "property": "title-type"})
        book.add_metadata("DC", "description", package.subtitle)
    book.set_language(package.language)
    for index, creator in enumerate(package.creators):
        book.add_author(creator, uid=f"creator{index}", role="aut")
    if package.publisher:
        book.add_metadata("DC", "publisher", package.publisher)
    if package.date:
        book.add_metadata("DC", "date", package.date)
    cover = [a for a in package.assets if "cover-image" in a.properties]
    if cover:  # EPUB 2 readers find the cover through this <meta>
        book.add_metadata(None, "meta", "", {"name": "cover", "content": cover[0].uid})
    if package.pagination_source:  # EPUB Accessibility 1.1 section 4.3: say whose pages these are
        book.add_metadata("DC", "source", package.pagination_source, {"id": "pagination-source"})
        book.add_metadata(None, "meta", "pagination", {"refines": "#pagination-source", "property": "source-of"})
    for prop, value in package.extra_meta:
        book.add_metadata(None, "meta", value, {"property": prop})


def package_bytes(package: EpubPackage, epoch: int) -> bytes:
    """The EPUB file as bytes: identical for identical packages."""
    from ebooklib import epub

    book = epub.EpubBook()
    _metadata(book, package)
    for asset in package.assets:
        book.add_item(_item(epub, asset.uid, asset.file_name, asset.media_type, asset.content, asset.properties))
    docs = []
    for doc in package.documents:
        item = _item(epub, doc.uid, doc.file_name, "application/xhtml+xml", doc.content.encode(), doc.properties)
        book.add_item(item)
        docs.append(item)
    nav = _item(epub, "nav", "nav.xhtml", "application/xhtml+xml", package.nav.encode(), ("nav",))
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = [
        (epub.Section(doc.title, doc.file_name), [epub.Link(h, t, f"{doc.uid}-{i}") for i, (h, t) in
                                                  enumerate(doc.toc_children)])
        if doc.toc_children else epub.Link(doc.file_name, doc.title, doc.uid)
        for doc in package.documents if doc.in_toc
    ]
    # Reading order: the front matter (cover, title page), the contents, then the body.
    front = next((i for i, doc in enumerate(package.documents) if doc.in_toc), len(docs))
    book.spine = docs[:front] + [nav] + docs[front:]
    buffer = io.BytesIO()
    # Deflated once, by normalise_zip: ebooklib's zip is only read back (its level 0 is a copy).
    epub.write_epub(buffer, book, {"mtime": package.modified, "epub3_pages": False, "compresslevel": 0,
                                   "play_order": {"enabled": True, "start_from": 1}})
    changes = {f"{book.FOLDER_NAME}/content.opf": lambda opf: opf_with_language(opf, package.language)}
    if package.page_list:
        changes[f"{book.FOLDER_NAME}/toc.ncx"] = lambda ncx: ncx_with_page_list(ncx, package.page_list)
    return normalise_zip(buffer.getvalue(), epoch, changes)


NCX = "http://www.daisy.org/z3986/2005/ncx/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def opf_with_language(opf: bytes, language: str) -> bytes:
    """The OPF with xml:lang on <package>: the language of its metadata's text (EPUB 3.3 5.5.1).

    ebooklib writes none, and DAISY Ace reports that as a serious violation (epub-lang).
    """
    from lxml import etree

    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def ncx_with_page_list(ncx: bytes, pages: Sequence[tuple[str, str]]) -> bytes:
    """The NCX with a pageList, for EPUB 2 reading systems (ebooklib writes none).

    NCX 2005-1: playOrder is optional on pageTarget, so the navMap's order stays as it is.
    """
    from lxml import etree

    root = etree.fromstring(ncx)
    numbers = [int(label) for label, _ in pages if label.isdigit()]
    for meta in root.iterfind(f"{{{NCX}}}head/{{{NCX}}}meta"):
        if meta.get("name") == "dtb:totalPageCount":
            meta.set("content", str(len(pages)))
        elif meta.get("name") == "dtb:maxPageNumber":
            meta.set("content", str(max(numbers, default=0)))
    page_list = etree.SubElement(root, f"{{{NCX}}}pageList")
    etree.SubElement(etree.SubElement(page_list, f"{{{NCX}}}navLabel"), f"{{{NCX}}}text").text = "印刷版页码"
    for label, href in pages:
        target = etree.SubElement(page_list, f"{{{NCX}}}pageTarget",
                                  {"id": f"target-{href.rpartition('#')[2]}", "type": "normal", "value": label})
        etree.SubElement(etree.SubElement(target, f"{{{NCX}}}navLabel"), f"{{{NCX}}}text").text = label
        etree.SubElement(target, f"{{{NCX}}}content", {"src": href})
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def write_epub(package: EpubPackage, target: Path, epoch: int) -> Path:
    """Write the package atomically to `target`."""
    write_bytes_atomic(target, package_bytes(package, epoch))
    return target
