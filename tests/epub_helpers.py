"""Reading a built EPUB in tests: its OPF, nav and XHTML documents as lxml trees."""
from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}


class Epub:
    """A built EPUB opened for inspection."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
        self.base = self.opf_path.rpartition("/")[0]
        self.opf = etree.fromstring(self.zip.read(self.opf_path))

    def read(self, href: str) -> bytes:
        return self.zip.read(f"{self.base}/{href}" if self.base else href)

    def tree(self, href: str) -> etree._Element:
        return etree.fromstring(self.read(href))

    def manifest(self) -> dict[str, etree._Element]:
        """id -> <item>."""
        return {i.get("id"): i for i in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}

    def spine_hrefs(self) -> list[str]:
        items = self.manifest()
        return [items[i].get("href") for i in self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)]

    def nav_href(self) -> str:
        return next(i.get("href") for i in self.manifest().values() if "nav" in (i.get("properties") or "").split())

    def meta(self, prop: str) -> list[str]:
        return [m.text for m in self.opf.xpath(f"//opf:meta[@property='{prop}']", namespaces=NS)]

    def xhtml_hrefs(self) -> list[str]:
        return [i.get("href") for i in self.manifest().values() if i.get("media-type") == "application/xhtml+xml"]


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())
