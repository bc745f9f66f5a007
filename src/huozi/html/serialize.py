"""XHTML pages -> HTML: the templates write XHTML (so lxml can place the print page numbers and
the fonts can be subset from the same trees); browsers get HTML, whose parser reads an XHTML
`<span/>` as an unclosed span and `<br></br>` as two breaks."""
from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XLINK = "http://www.w3.org/1999/xlink"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def parse(xhtml: str) -> etree._Element:
    """The root of an XHTML document (an XMLSyntaxError when it is not well-formed)."""
    return etree.fromstring(xhtml.encode("utf-8"), _PARSER)


def body_markup(xhtml: str) -> str:
    """What an XHTML document's <body> holds, as XHTML text to put into another document."""
    body = parse(xhtml).find(f"{{{XHTML}}}body")
    if body is None:
        return ""
    return escape(body.text or "") + "".join(etree.tostring(child, encoding="unicode") for child in body)


def to_html(root: etree._Element) -> bytes:
    """An XHTML tree as an HTML document: elements in no namespace (HTML's parser puts SVG in
    its own), EPUB's epub:type attributes dropped, xlink:href as SVG 2's href."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element.tag = etree.QName(element).localname
        for name in [n for n in element.attrib if n.startswith("{")]:
            value = element.attrib.pop(name)
            space, local = etree.QName(name).namespace, etree.QName(name).localname
            if space == XLINK and local == "href":
                element.set("href", value)
            elif space == "http://www.w3.org/XML/1998/namespace" and local == "lang":
                element.attrib.setdefault("lang", value)
    etree.cleanup_namespaces(root)
    markup: bytes = etree.tostring(root, method="html", encoding="utf-8")
    return b"<!DOCTYPE html>\n" + markup + b"\n"
