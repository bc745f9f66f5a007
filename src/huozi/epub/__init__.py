"""EPUB stage: the book model -> XHTML documents -> a reproducible EPUB 3 package."""
