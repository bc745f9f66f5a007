"""The html edition: the book as a static web site, `dist/SLUG-html/`.

assemble.py makes the pages (an index with the contents, one page per article) from the
project's templates in styles/html/, serialize.py turns their XHTML into HTML, fonts.py makes the
EPUB's subset faces into WOFF2 web fonts, writer.py writes the folder as one output.
"""
