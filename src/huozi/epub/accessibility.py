"""EPUB Accessibility 1.1 metadata (schema.org properties in the package document).

https://www.w3.org/TR/epub-a11y-11/ section 2 (discovery metadata) and the accessibility
properties vocabulary. Every statement is derived from the documents of the book being built:
a feature is listed, and the summary says something, only when the XHTML shows it. Conformance
(dcterms:conformsTo, a11y:certifiedBy) is claimed only when `[epub] accessibility_assessed_by`
names who assessed the book: passing huozi's own checks and Ace is not an assessment.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
XHTML = "{http://www.w3.org/1999/xhtml}"

# Names of the languages a summary is likely to state, in Chinese; others are shown as their tag.
_LANGUAGE_NAMES = {"zh-cn": "简体中文", "zh-hans": "简体中文", "zh-sg": "简体中文", "zh-tw": "繁体中文",
                   "zh-hk": "繁体中文", "zh-hant": "繁体中文", "zh": "中文", "en": "英文", "ja": "日文",
                   "ko": "韩文"}


@dataclass(frozen=True)
class BookFacts:
    """What the accessibility metadata states, read from the book's XHTML."""

    language: str
    images: int          # <img>, <svg> and role="img" elements
    images_with_alt: int
    tables: int
    tables_with_headers: int
    page_list: bool

    @property
    def every_image_has_alt(self) -> bool:
        return self.images_with_alt == self.images


def _has_alternative(element: etree._Element) -> bool:
    tag = etree.QName(element).localname
    if tag == "img":
        return bool((element.get("alt") or "").strip()) or element.get("role") == "presentation"
    if tag == "svg":
        # An SVG inside a role="img" wrapper is described by the wrapper's label.
        wrapped = any(a.get("role") == "img" and (a.get("aria-label") or "").strip()
                      for a in element.iterancestors())
        titled = any(etree.QName(c).localname == "title" and "".join(c.itertext()).strip()
                     for c in element if isinstance(c.tag, str))
        return wrapped or titled or bool((element.get("aria-label") or "").strip())
    return bool((element.get("aria-label") or "").strip())


def book_facts(language: str, documents: Iterable[str], page_list: bool) -> BookFacts:
    """Count the images (with and without a text alternative) and tables in the documents."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    images = with_alt = tables = with_headers = 0
    for content in documents:
        root = etree.fromstring(content.encode("utf-8"), parser)
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            tag = etree.QName(element).localname
            if tag in ("img", "svg") or element.get("role") == "img":
                if tag == "svg" and any(a.get("role") == "img" for a in element.iterancestors()):
                    continue  # counted once, as its labelled wrapper
                images += 1
                with_alt += _has_alternative(element)
            elif tag == "table":
                tables += 1
                with_headers += any(etree.QName(c).localname == "th" for c in element.iter() if isinstance(c.tag, str))
    return BookFacts(language, images, with_alt, tables, with_headers, page_list)


def summary(facts: BookFacts) -> str:
    """The accessibility summary: what a reader can rely on in this book, and nothing it lacks."""
    name = _LANGUAGE_NAMES.get(facts.language.lower(), facts.language)
    parts = [f"本书为可重排文字版，正文语言标注为{name}（{facts.language}），字号与页边距随阅读器设置调整。"]
    nav = "有目录、地标导航"
    nav += "和印刷版页码（页码列表与分页标记取自印刷版的实际排版）。" if facts.page_list else "。"
    parts.append(nav)
    if facts.images:
        if facts.every_image_has_alt:
            parts.append(f"全部{facts.images}幅图像（封面、照片占位、数据图）均有替代文字。")
        else:
            parts.append(f"{facts.images}幅图像中有{facts.images - facts.images_with_alt}幅没有替代文字。")
    if facts.tables:
        headed = "均有表头单元格" if facts.tables_with_headers == facts.tables else \
            f"其中{facts.tables - facts.tables_with_headers}个没有表头单元格"
        parts.append(f"有{facts.tables}个数据表格，{headed}。")
    parts.append("无闪烁、动画或声音内容。")
    return "".join(parts)


def accessibility_meta(facts: BookFacts, assessed_by: str = "") -> tuple[tuple[str, str], ...]:
    """(property, value) pairs for the OPF, each one true of `facts`.

    `assessed_by` is who assessed the book against EPUB Accessibility 1.1 / WCAG 2.1 AA
    (`[epub] accessibility_assessed_by`); without it the book claims no conformance.
    """
    features = ["displayTransformability", "readingOrder", "structuralNavigation", "tableOfContents"]
    if facts.images and facts.every_image_has_alt:
        features.insert(0, "alternativeText")
    if facts.page_list:
        # printPageNumbers is the EPUB Accessibility 1.0 term; pageBreakMarkers and pageNavigation
        # replace it in the current vocabulary. Readers know either, so both are given.
        features += ["pageBreakMarkers", "pageNavigation", "printPageNumbers"]
    modes = [("schema:accessMode", "textual")]
    if facts.images:
        modes.append(("schema:accessMode", "visual"))
    meta = [*modes]
    if not facts.images or facts.every_image_has_alt:
        meta.append(("schema:accessModeSufficient", "textual"))
    else:
        meta.append(("schema:accessModeSufficient", "textual,visual"))
    meta += [("schema:accessibilityFeature", f) for f in sorted(features)]
    meta += [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary(facts))]
    if assessed_by:
        meta += [("dcterms:conformsTo", CONFORMANCE), ("a11y:certifiedBy", assessed_by)]
    return tuple(meta)
