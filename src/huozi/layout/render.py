"""Jinja environment and the per-edition template context."""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..config import Config
from ..editions import Edition
from ..errors import FigureError, HuoziError, SourceLocation, TemplateError
from ..manuscript import model
from ..manuscript.model import Article, FigureRef, Heading, Paragraph, Photo
from ..manuscript.model import Manuscript
from ..text.markup import InlineContext, inlines_to_html
from . import links


class ProjectLoader(jinja2.FileSystemLoader):
    """Templates from the styles folder that resolve (symlinks followed) inside the project.

    Jinja already refuses `..` in template names; this also refuses a symlink that leads out,
    which would otherwise put e.g. /etc/passwd into the book through {% include %}.
    """

    def __init__(self, styles_dir: Path):
        super().__init__(str(styles_dir))
        self.project_root = styles_dir.resolve().parent

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not real.is_relative_to(self.project_root):
            raise TemplateError(f"refused to read '{real}': '{template}' leads outside the project folder",
                                SourceLocation(Path(filename)),
                                "copy the file into the project instead of linking to it")
        return source, filename, uptodate


def template_env(styles_dir: Path) -> jinja2.Environment:
    """Templates from the project's styles folder; undefined names are errors, output is escaped."""
    env = jinja2.Environment(
        loader=ProjectLoader(styles_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests.update({
        "paragraph": lambda b: isinstance(b, Paragraph),
        "heading": lambda b: isinstance(b, Heading),
        "photo": lambda b: isinstance(b, Photo),
        "figure_ref": lambda b: isinstance(b, FigureRef),
        "list_block": lambda b: isinstance(b, model.List),
        "quote": lambda b: isinstance(b, model.Quote),
        "code_block": lambda b: isinstance(b, model.CodeBlock),
        "rule": lambda b: isinstance(b, model.Rule),
        "admonition": lambda b: isinstance(b, model.Admonition),
        "deflist": lambda b: isinstance(b, model.DefinitionList),
    })
    env.filters["unrendered"] = _unrendered
    return env


def _unrendered(block: Any) -> str:
    # A block type the templates have no branch for would vanish from the book: refuse instead.
    raise TemplateError(f"the templates cannot render a {type(block).__name__} block",
                        SourceLocation(Path("blocks.html.j2")),
                        "add a branch for it to blocks.html.j2 (styles/)")


def _template_error(styles_dir: Path, exc: Exception) -> TemplateError:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = SourceLocation(Path(exc.filename or styles_dir / (exc.name or "?")), exc.lineno)
        return TemplateError(f"template syntax error: {exc.message}", where,
                             "check the {% %} and {{ }} tags on that line")
    if isinstance(exc, jinja2.TemplateNotFound):
        # The frame of the {% include %} / {% import %} that named it, when there is one.
        where = _template_frame(styles_dir, exc)
        return TemplateError(f"template or stylesheet '{exc.name}' does not exist", where,
                             f"create {styles_dir.name}/{exc.name}, or fix the name on that line")
    if isinstance(exc, jinja2.UndefinedError):
        where = _template_frame(styles_dir, exc)
        return TemplateError(f"undefined variable in template: {exc.message}", where,
                             "the context has: book, articles, edition, config, figures")
    return TemplateError(str(exc), SourceLocation(styles_dir))


def _template_frame(styles_dir: Path, exc: BaseException) -> SourceLocation:
    """The innermost traceback frame that ran template code, as file:line."""
    tb = exc.__traceback__
    where = SourceLocation(styles_dir)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(str(styles_dir)):
            where = SourceLocation(Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return where


def render_template(env: jinja2.Environment, styles_dir: Path, name: str, **context: Any) -> str:
    """Render one template, turning Jinja's exceptions into TemplateError with file:line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise _template_error(styles_dir, exc) from None
    except HuoziError:
        raise
    except Exception as exc:
        # e.g. {{ articles + 1 }}: a TypeError raised by template code itself. Raised further in
        # (a filter, the typesetter) it is a bug in huozi and must surface as one.
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is None or not tb.tb_frame.f_code.co_filename.startswith(str(styles_dir)):
            raise
        where = _template_frame(styles_dir, exc)
        raise TemplateError(f"error in template: {type(exc).__name__}: {exc}", where,
                            "fix the expression on that line; if it looks right, run with --debug "
                            "(it may be a bug in huozi)") from exc


def render_edition(
    config: Config,
    manuscript: Manuscript,
    edition: Edition,
    *,
    typeset: Any = None,
    figures: Any = None,
    article: Article | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Fill an edition's template with the book (or one article, for EPUB chapters)."""
    check_figure_refs(manuscript, figures or {})
    links.check_links(manuscript, figures or {})
    env = template_env(config.styles_dir)
    inline_context = InlineContext(typeset, links.targets(manuscript, figures or {}, edition.kind == "epub"),
                                   links=edition.name != "print")
    env.filters["inlines"] = lambda inlines: inlines_to_html(inlines, context=inline_context)
    env.filters["text"] = lambda text: typeset(text) if typeset else Markup.escape(text)
    context = {
        "book": config.book,
        "config": config,
        "articles": manuscript.articles,
        "article": article,
        "edition": edition,
        "figures": figures or {},
        "numbers": (numbers := links.heading_numbers(manuscript, config.headings.numbering)),
        "toc": {a.slug: links.toc_tree(a, config.toc.depth, numbers) for a in manuscript.articles},
        "toc_depth": config.toc.depth,
        **(extra or {}),
    }
    return render_template(env, config.styles_dir, edition.template, **context)


def check_figure_refs(manuscript: Manuscript, figures: Mapping[str, Any]) -> None:
    """Every `::: figure ID` in the manuscript names a known figure, or a FigureError at its line."""
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, FigureRef) and block.figure_id not in figures:
                known = sorted(figures)
                close = difflib.get_close_matches(block.figure_id, known, n=1)
                if close:
                    hint = f"did you mean '{close[0]}'?"
                elif known:
                    hint = f"known figure ids: {', '.join(known)}"
                else:
                    hint = "the book has no figures yet: define this one in figures/, or remove the reference"
                raise FigureError(f"unknown figure id '{block.figure_id}'",
                                  SourceLocation(article.path, block.line), hint)
