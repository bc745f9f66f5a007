"""Key numbers as data, checked against the prose and drawn into figures."""
from .render import Figure, Figures, render_figures

__all__ = ["Figure", "Figures", "render_figures"]
