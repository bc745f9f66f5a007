"""EPUB Accessibility 1.1 metadata (schema.org properties in the package document).

https://www.w3.org/TR/epub-a11y-11/ section 2 (discovery metadata) and the accessibility
properties vocabulary. Each claim below holds for what huozi builds; the tests check them.
"""
from __future__ import annotations

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
SUMMARY = ("本书为可重排文字版，正文语言标注为简体中文（zh-CN），字号与页边距随阅读器设置调整。"
           "有目录、地标导航和印刷版页码（页码列表与分页标记取自印刷版的实际排版）。"
           "封面、照片占位和数据图均有替代文字，数据图另有文字图注；无闪烁、动画或声音内容。")


def accessibility_meta(page_numbers: bool, evaluator: str = "") -> tuple[tuple[str, str], ...]:
    """(property, value) pairs for the OPF; `page_numbers` when the print page-list is present.

    `evaluator` is who stands behind the conformance claim (a11y:certifiedBy): the publisher,
    whose build runs the checks in huozi's tests; no third party has certified the book.
    """
    features = ["alternativeText", "displayTransformability", "readingOrder", "structuralNavigation",
                "tableOfContents"]
    if page_numbers:
        # printPageNumbers is the EPUB Accessibility 1.0 term; pageBreakMarkers and pageNavigation
        # replace it in the current vocabulary. Readers know either, so both are given.
        features += ["pageBreakMarkers", "pageNavigation", "printPageNumbers"]
    meta = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
            ("schema:accessModeSufficient", "textual")]
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta += [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", SUMMARY),
             ("dcterms:conformsTo", CONFORMANCE)]
    if evaluator:
        meta.append(("a11y:certifiedBy", evaluator))
    return tuple(meta)
