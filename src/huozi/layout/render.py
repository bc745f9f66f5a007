"""Jinja environment and the per-edition template context.

Templates are user-editable code (a project's `styles/`, later shared themes), so they run in
Jinja's immutable sandbox, see only plain data (no paths, no live config objects), and are
bounded in the work they may do: a template cannot read files, run commands or hang the build.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .. import contract
from ..cache import Store, content_key, sealed, unsealed, user_cache
from ..config import THEME_DIR, Config
from ..editions import Edition
from ..errors import FigureError, HuoziError, SourceLocation, TemplateError, did_you_mean
from ..manuscript import model
from ..manuscript.model import Article, FigureRef, Heading, Image, Manuscript, Paragraph, Photo
from ..text.markup import InlineContext, inlines_to_html
from . import links
from .notes import article_marks

# Bounds on what one template render may do. No book needs more: the largest loops run over
# the book's own blocks, which are data, not `range`.
MAX_RANGE_ITEMS = 1_000_000   # all `range()` items of one render together
MAX_SEQUENCE = 10_000_000     # a string or list a `*` or a size argument may make
_BIG_NUMBER = re.compile(r"\d{7,}")  # a width or precision of 10^6 or more in a format string
# Filters whose numeric arguments size their result ('x'|center(10**9)).
_SIZED_FILTERS = ("center", "indent", "wordwrap", "truncate", "batch", "slice", "format")


class _RenderLimits:
    """The work one render has done so far: counted across every `range()` it calls."""

    def __init__(self) -> None:
        self.range_items = 0

    def range(self, *args: int) -> range:
        items = range(*args)
        self.range_items += len(items)
        if self.range_items > MAX_RANGE_ITEMS:
            raise SecurityError(f"the template's loops ask for more than {MAX_RANGE_ITEMS:,} range() items")
        return items


def _check_number(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SEQUENCE:
        raise SecurityError(f"{what}: the number {value} is too large for a template")


def _check_format(text: Any, what: str) -> None:
    if isinstance(text, str) and _BIG_NUMBER.search(text):
        raise SecurityError(f"{what}: a format width or precision this large is refused")


def _sized(name: str, function: Any) -> Any:
    """A filter that refuses numeric arguments (and format widths) that would make huge output."""
    def checked(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[1:], *kwargs.values()):
            _check_number(value, f"filter '{name}'")
        if name == "format":
            _check_format(args[0] if args else None, "filter 'format'")
        return function(*args, **kwargs)
    return checked


class BookSandbox(ImmutableSandboxedEnvironment):
    """The sandbox templates run in: no private attributes, no paths, no modules, bounded sizes."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, (PurePath, ModuleType)) or isinstance(value, (PurePath, ModuleType, type)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int) and isinstance(left, int) and abs(left) > 1 and right > 64:
                raise SecurityError(f"{left} ** {right} is too large for a template")
            return left ** right
        for count, sequence in ((right, left), (left, right)):
            if isinstance(count, int) and isinstance(sequence, (str, list, tuple)):
                if count * len(sequence) > MAX_SEQUENCE:
                    raise SecurityError("a string or list repeated this often is too large for a template")
        return left * right

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        for value in (*args, *kwargs.values()):
            _check_number(value, "a call in the template")
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        # str.format reached as an attribute ("{:>999999999}".format): the width is in the string.
        if getattr(value, "__name__", "") in ("format", "format_map"):
            _check_format(getattr(value, "__self__", None), "str.format")
        return super().wrap_str_format(value)


def _is_template(filename: str, styles_dir: Path) -> bool:
    """Whether a traceback frame's file is a template: the project's, or the theme's."""
    return filename.startswith((str(styles_dir), str(THEME_DIR)))


class ProjectLoader(jinja2.FileSystemLoader):
    """Templates from the styles folder that resolve (symlinks followed) inside the project.

    Jinja already refuses `..` in template names; this also refuses a symlink that leads out,
    which would otherwise put e.g. /etc/passwd into the book through {% include %}.
    """

    def __init__(self, styles_dir: Path):
        super().__init__(str(styles_dir))
        self.project_root = styles_dir.resolve().parent

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not real.is_relative_to(self.project_root):
            raise TemplateError(f"refused to read '{real}': '{template}' leads outside the project folder",
                                SourceLocation(Path(filename)),
                                "copy the file into the project instead of linking to it")
        if contract.names_in(template):                # the project's copy of a file the code reads back
            theme = THEME_DIR / template
            contract.check_template(template, Path(filename), source,
                                    theme.read_text(encoding="utf-8") if theme.is_file() else None)
        return source, filename, uptodate


class CompiledTemplates(jinja2.BytecodeCache):
    """Each template compiled once, found again by its source's checksum.

    Every render makes a new environment (its filters close over that render's book), and
    compiling the templates anew took a tenth of a print build (five renders) and a quarter of
    an EPUB's; a new worker compiling the book's templates took 0.2 s. By content, so an edited
    template is compiled again in a warm worker.

    Kept in memory and in the user's own cache (`cache.user_cache`), by the template's file and
    checksum, Jinja and Python and this module: compiled code runs outside the sandbox, so it is
    never read from the project's own cache folder, where a project's repository could have put
    code of its own; the user's cache holds only what huozi compiled.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        # Code generation depends on the environment's class and options: all one here, but said.
        key = f"{type(environment).__qualname__}:{self.get_cache_key(name, filename)}"
        bucket = jinja2.bccache.Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is None:
            code = unsealed(_template_store().get(_file_key(bucket)))
            if code is not None:
                self._code[bucket.key] = code
        if code is not None:
            bucket.bytecode_from_string(code)     # dropped there when the checksum differs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code[bucket.key] = bucket.bytecode_to_string()
        store = _template_store()
        store.put(_file_key(bucket), sealed(code))
        store.prune(TEMPLATE_FILES_KEPT)


TEMPLATE_FILES_KEPT = 256
# This module's source: the environment's class and options, which the compiled code depends on.
_THIS_MODULE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _file_key(bucket: jinja2.bccache.Bucket) -> str:
    """A compiled template's key in the user's cache: its bucket (class, name and file), its
    source's checksum, and what the code was compiled by."""
    return content_key(bucket.key, bucket.checksum, jinja2.__version__, sys.version, _THIS_MODULE)


def _template_store() -> Store:
    return Store(user_cache("templates"), ".bc", pruned=True)


_COMPILED = CompiledTemplates()


# The filters each render adds, closing over its book (render_edition).
RENDER_FILTERS = ("inlines", "text")


def compile_templates(styles_dir: Path) -> None:
    """Compile every template of the project and the theme into this process's cache: a worker's
    warm-up, run while the build reads the book (a tenth of a second off each edition's first
    render). Compiling runs no template code; a template that fails is left for the build to report."""
    env = template_env(styles_dir)
    env.filters.update(dict.fromkeys(RENDER_FILTERS, str))   # compiling needs only their names
    for name in env.list_templates(filter_func=lambda name: name.endswith(".j2")):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 - the build reports it, with its file and line
            pass


def template_env(styles_dir: Path) -> jinja2.Environment:
    """Templates from the project's styles folder, sandboxed; undefined names are errors, output is escaped."""
    env = BookSandbox(
        bytecode_cache=_COMPILED,
        # A project's file replaces the theme's file of the same name, file by file.
        loader=jinja2.ChoiceLoader([ProjectLoader(styles_dir), jinja2.FileSystemLoader(str(THEME_DIR))]),
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
        "image": lambda b: isinstance(b, Image),
        "list_block": lambda b: isinstance(b, model.List),
        "quote": lambda b: isinstance(b, model.Quote),
        "code_block": lambda b: isinstance(b, model.CodeBlock),
        "rule": lambda b: isinstance(b, model.Rule),
        "admonition": lambda b: isinstance(b, model.Admonition),
        "deflist": lambda b: isinstance(b, model.DefinitionList),
        "table": lambda b: isinstance(b, model.Table),
    })
    env.filters["unrendered"] = _unrendered
    env.globals.pop("lipsum", None)  # makes text of any size; a book has its own text
    for name in _SIZED_FILTERS:
        env.filters[name] = _sized(name, env.filters[name])
    return env


def _unrendered(block: Any) -> str:
    # A block type the templates have no branch for would vanish from the book: refuse instead.
    raise TemplateError(f"the templates cannot render a {type(block).__name__} block",
                        SourceLocation(Path("blocks.html.j2")),
                        "add a branch for it to blocks.html.j2 (styles/)")


class TemplateTimeout(SecurityError):
    """A render ran out of its CPU-time budget (raised from a timer signal)."""


@contextlib.contextmanager
def _cpu_budget(seconds: float) -> Iterator[None]:
    """Stop the code inside after `seconds` of CPU time (a timer signal; main thread only).

    CPU time, not wall time, so a busy machine does not fail a build that a quiet one passes.
    Elsewhere (a caller's thread) the range and size bounds still hold, without a clock.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TemplateTimeout(f"the template took more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


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
    if isinstance(exc, SecurityError):
        where = _template_frame(styles_dir, exc)
        return TemplateError(f"refused by the template sandbox: {exc}", where,
                             "templates see only the book's data (book, articles, edition, config, "
                             "figures): no files, paths, Python internals or unbounded loops")
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
        if _is_template(filename, styles_dir):
            where = SourceLocation(Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return where


def _recursion_frame(styles_dir: Path, exc: BaseException) -> SourceLocation:
    """The template line that keeps coming back in a runaway recursion: an include if one does."""
    seen: dict[tuple[str, int], int] = {}
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _is_template(filename, styles_dir):
            key = (filename, tb.tb_lineno)
            seen[key] = seen.get(key, 0) + 1
        tb = tb.tb_next
    if not seen:
        return SourceLocation(styles_dir)

    def names_a_template(key: tuple[str, int]) -> bool:
        lines = Path(key[0]).read_text(encoding="utf-8", errors="replace").splitlines()
        return key[1] <= len(lines) and re.search(r"{%-?\s*(include|import|from)\b", lines[key[1] - 1]) is not None

    filename, line = max(seen, key=lambda k: (seen[k] > 1 and names_a_template(k), seen[k]))
    return SourceLocation(Path(filename), line)


def render_template(env: jinja2.Environment, styles_dir: Path, name: str, *,
                    cpu_seconds: float = 0, **context: Any) -> str:
    """Render one template within its bounds, turning Jinja's exceptions into TemplateError with file:line."""
    limits = _RenderLimits()
    try:
        with _cpu_budget(cpu_seconds):
            return env.get_template(name).render(**context, range=limits.range)
    except jinja2.TemplateError as exc:
        raise _template_error(styles_dir, exc) from None
    except HuoziError:
        raise
    except RecursionError as exc:
        raise TemplateError("templates include or call themselves without end", _recursion_frame(styles_dir, exc),
                            "an {% include %}, {% import %} or macro on that line leads back to itself") from None
    except Exception as exc:
        # e.g. {{ articles + 1 }}: a TypeError raised by template code itself. Raised further in
        # (a filter, the typesetter) it is a bug in huozi and must surface as one.
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is None or not _is_template(tb.tb_frame.f_code.co_filename, styles_dir):
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
    marks: dict[str, str] | None = None,
    images: Any = None,
    table_fits: Mapping[str, Any] | None = None,
) -> str:
    """Fill an edition's template with the book (or one article, for EPUB chapters).

    `marks` are the footnotes' marks (default: numbered through each article, see layout.notes);
    `images` the checked image files (`figures.images.ImageSet`): where each one is read from;
    `table_fits` (PDF editions) says which tables are set smaller or turned (huozi.pdf.tables).
    """
    check_figure_refs(manuscript, figures or {})
    links.check_links(manuscript, figures or {})
    env = template_env(config.styles_dir)
    marks = marks if marks is not None else article_marks(manuscript, config.footnotes.numbering)
    if images is None and any(a.images for a in manuscript.articles):
        from ..figures.images import load_images

        images = load_images(config, manuscript)
    labels = getattr(figures, "image_labels", None)
    if labels is None:
        from ..figures.render import image_labels

        labels = image_labels(manuscript)
    inline_context = InlineContext(typeset, links.targets(manuscript, figures or {},
                                                          edition.document if edition.chapters else None,
                                                          config.tables.numbering),
                                   links=edition.links, marks=marks, epub=edition.notes != "foot")
    env.filters.update({  # RENDER_FILTERS
        "inlines": lambda inlines: inlines_to_html(inlines, context=inline_context),
        "text": lambda text: typeset(text) if typeset else Markup.escape(text),
    })
    context = {
        "book": config.book,
        "config": config_view(config),
        "articles": manuscript.articles,
        "article": article,
        "edition": edition,
        "figures": figures or {},
        "numbers": (numbers := links.heading_numbers(manuscript, config.headings.numbering)),
        "toc": {a.slug: links.toc_tree(a, config.toc.depth, numbers) for a in manuscript.articles},
        "toc_depth": config.toc.depth,
        "note_marks": marks,
        "block_notes": model.block_notes,
        "image_labels": labels,
        "image_files": images.view(edition) if images is not None else {},
        "table_numbers": links.table_numbers(manuscript, config.tables.numbering),
        "table_fits": dict(table_fits or {}),
        "with_front": True,     # templates written for the trials of one article huozi once laid out test it
        **(extra or {}),
    }
    return render_template(env, config.styles_dir, edition.template,
                           cpu_seconds=config.security.template_seconds, **context)


def config_view(config: Config) -> dict[str, Any]:
    """The options templates may read, as plain values (no paths, no methods of the live config)."""
    return {
        "print": {**dataclasses.asdict(config.print), "sheet_bleed": config.print.sheet_bleed},
        "epub": dataclasses.asdict(config.epub),
        "html": dataclasses.asdict(config.html),
        "typography": dataclasses.asdict(config.typography),
        "labels": dataclasses.asdict(config.labels),
        "fonts": dataclasses.asdict(config.fonts),
        "toc": dataclasses.asdict(config.toc),
        "headings": dataclasses.asdict(config.headings),
        "footnotes": dataclasses.asdict(config.footnotes),
        "tables": dataclasses.asdict(config.tables),
    }


def check_figure_refs(manuscript: Manuscript, figures: Mapping[str, Any]) -> None:
    """Every `::: figure ID` in the manuscript names a known figure, or a FigureError at its line."""
    for article in manuscript.articles:
        for block in article.walk():
            if isinstance(block, FigureRef) and block.figure_id not in figures:
                known = sorted(figures)
                guess = did_you_mean(block.figure_id, known)
                if guess:
                    hint = guess
                elif known:
                    hint = f"known figure ids: {', '.join(known)}"
                else:
                    hint = "the book has no figures yet: define this one in figures/, or remove the reference"
                raise FigureError(f"unknown figure id '{block.figure_id}'",
                                  SourceLocation(article.path, block.line), hint)
