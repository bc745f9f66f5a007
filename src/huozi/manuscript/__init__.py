"""Manuscript stage: Markdown files with front matter -> the typed book model."""
from .model import Article, Block, FigureRef, Heading, Inline, Manuscript, Paragraph, Photo, Section, Table
from .parse import parse_article, parse_manuscript

__all__ = [
    "Article", "Block", "FigureRef", "Heading", "Inline", "Manuscript", "Paragraph", "Photo",
    "Section", "Table", "parse_article", "parse_manuscript",
]
