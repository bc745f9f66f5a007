"""Assemble the EPUB 3 package with ebooklib, overriding its random identifier and clock."""
from __future__ import annotations

import datetime as dt
import io
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


def _item(ebooklib_epub, uid: str, file_name: str, media_type: str, content, properties=()):
    item = ebooklib_epub.EpubItem(uid=uid, file_name=file_name, media_type=media_type, content=content)
    item.properties = list(properties)
    return item


def package_bytes(package: EpubPackage, epoch: int) -> bytes:
    """The EPUB file as bytes: identical for identical packages."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(package.identifier)
    book.set_title(package.title)
    book.set_language(package.language)
    for index, creator in enumerate(package.creators):
        book.add_author(creator, uid=f"creator{index}")
    if package.publisher:
        book.add_metadata("DC", "publisher", package.publisher)
    if package.date:
        book.add_metadata("DC", "date", package.date)
    if package.subtitle:
        book.add_metadata("DC", "description", package.subtitle)
    for prop, value in package.extra_meta:
        book.add_metadata(None, "meta", value, {"property": prop})
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
    book.spine = docs[:1] + [nav] + docs[1:]
    buffer = io.BytesIO()
    epub.write_epub(buffer, book, {"mtime": package.modified, "epub3_pages": False, "play_order": {"enabled": True, "start_from": 1}})
    return normalise_zip(buffer.getvalue(), epoch)


def write_epub(package: EpubPackage, target: Path, epoch: int) -> Path:
    """Write the package atomically to `target`."""
    write_bytes_atomic(target, package_bytes(package, epoch))
    return target
