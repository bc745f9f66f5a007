"""Layout stage: the book model -> HTML/XHTML through the project's Jinja templates."""
from .render import render_edition, template_env

__all__ = ["render_edition", "template_env"]
