"""The template contract: every name huozi's Python relies on in the templates and stylesheets.

The templates and stylesheets are the author's to edit (styles/ overrides huozi's theme). The
Python reads back what they write (the lint finds a paragraph's manuscript line by its
`data-line`, the print placement finds figures by their class) and writes markup that they
style (the typesetter's `span.hw`). Each such name is declared here once, with the files that
must carry it; `layout.render` checks an overriding file when it loads it (`check_template`), so
a class renamed in styles/ is an error at that file's line instead of a silent wrong layout.
"""
from __future__ import annotations

# Figures the print edition may move to the top or bottom of a page (figures.placement): their
# text is left out of the page text, as it is out of the EPUB's, so the two keep one order.
FLOATING = frozenset({"chart", "image"})
# Footnotes sit at the foot of a page in the PDFs and in asides at the article's end in the EPUB,
# and their calls' marks differ (by page, by article): notes and calls are left out of both texts.
NOTES = frozenset({"footnote", "noteref", "footnotes"})
# What print repeats for the eye: a table's header on each page it crosses (with its 续表 line),
# and the caption and header of each further part of a turned table. The EPUB has them once.
REPEATED = "tbl-repeat"
# A footnote is an `<fn>` element (text/markup.py) that the PDF stylesheets float to the page foot;
# WeasyPrint names the box of its call in the text by the element and the pseudo-element.
FOOTNOTE_CALL = "fn::footnote-call"
