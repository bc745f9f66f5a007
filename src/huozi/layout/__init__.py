"""Layout stage: the book model -> HTML/XHTML through the project's Jinja templates."""
from .render import Edition, EDITIONS, render_edition, template_env

__all__ = ["Edition", "EDITIONS", "render_edition", "template_env"]
