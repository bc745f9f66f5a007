"""Book configuration: `book.toml` read once into frozen dataclasses; unknown keys are errors."""
from __future__ import annotations

import datetime as _dt
import math
import re
import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError, SourceLocation, did_you_mean
from .sources import read_text

CONFIG_NAME = "book.toml"
# The built-in theme: the templates and stylesheets every book starts from. A project's
# `styles/` overrides it file by file (as mdBook's `theme/` and Sphinx's `templates_path` do):
# `styles/print.css` replaces the theme's `print.css` and nothing else, and `styles/custom.css`,
# when present, is added after the theme's rules in every edition. So a book made with an older
# huozi gets the templates of new blocks from the huozi it runs with. Not resolved: in a source
# checkout the theme is the repository's own styles/ (a symlink), and template frames are told
# apart from the project's by this path.
THEME_DIR = Path(__file__).parent / "theme"


@dataclass(frozen=True)
class BookMeta:
    """What the book is: its title and package metadata."""

    title: str
    slug: str
    identifier: str
    language: str = "zh-CN"
    subtitle: str = ""
    publisher: str = ""
    date: str = ""
    creators: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintOptions:
    """Trim size, bleed, marks and output intent of the print edition (lengths in CSS units)."""

    # 大32开 (140 × 203 mm): the 850 × 1168 mm sheet (GB/T 788) cut in 32 and trimmed.
    trim: str = "140mm 203mm"
    # Printers ask for 3 mm beyond the trim on every side, cut away after printing.
    bleed: str = "3mm"
    # Crop and registration marks, drawn outside the bleed on a larger sheet.
    marks: bool = True
    # The CMYK ICC profile of the press, embedded as the PDF/X output intent; a relative path is
    # read from the project folder. Ghostscript's SWOP profile (Debian libgs-common) by default:
    # replace it with the printer's own (FOGRA39, Japan Color 2001 Coated …) when they send one.
    output_profile: str = "/usr/share/color/icc/ghostscript/default_cmyk.icc"

    @property
    def bleed_pt(self) -> float:
        return css_length_pt(self.bleed)

    @property
    def sheet_bleed(self) -> str:
        """CSS `bleed` of the sheet: the bleed, plus room for the marks outside it.

        WeasyPrint draws crop marks over the outer half of the CSS bleed, so a sheet that
        reaches MARKS_ROOM beyond the bleed keeps the marks clear of the 3 mm the press cuts into.
        """
        extra = css_length_pt(MARKS_ROOM) if self.marks else 0.0
        return f"{self.bleed_pt + extra:.3f}pt"


# The smallest and largest trim: A6 each way (the text block and the 100 mm figures must fit), A0.
TRIM_RANGE = ("105mm", "1189mm")
# Room beyond the bleed for crop and registration marks (the marks start 6 mm from the trim).
MARKS_ROOM = "9mm"

_PT_PER_UNIT = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0, "px": 0.75,
                "q": 72 / 25.4 / 4}


def css_length_pt(text: str) -> float:
    """An absolute CSS length ("3mm", "0.5in", "0") in PDF points; ValueError otherwise."""
    raw = text.strip().lower()
    if raw == "0":
        return 0.0
    for unit, factor in _PT_PER_UNIT.items():
        if raw.endswith(unit):
            number = float(raw[: -len(unit)])
            if not math.isfinite(number):
                raise ValueError(f"not a finite length: {text!r}")
            if number < 0:
                raise ValueError(f"negative length {text!r}")
            return number * factor
    raise ValueError(f"not an absolute CSS length: {text!r}")


def _check_print(path: Path, text: str, options: PrintOptions) -> None:
    """Trim and bleed must be lengths the PDF writer can place boxes with."""
    trim = options.trim.split()
    try:
        if len(trim) != 2:
            raise ValueError(options.trim)
        sizes = [css_length_pt(part) for part in trim]
    except ValueError:
        raise ConfigError(f"'print.trim' must be a width and a height, not {options.trim!r}",
                          SourceLocation(path, _key_line(text, "trim")),
                          'write trim = "140mm 203mm" (大32开)') from None
    # The print margins and figures need room (a zero page makes the layout loop forever).
    low, high = (css_length_pt(TRIM_RANGE[0]), css_length_pt(TRIM_RANGE[1]))
    if not all(low <= size <= high for size in sizes):
        raise ConfigError(f"'print.trim' must be from {TRIM_RANGE[0]} to {TRIM_RANGE[1]} each way, not "
                          f"{options.trim!r}", SourceLocation(path, _key_line(text, "trim")),
                          'write trim = "140mm 203mm" (大32开), or another book size')
    try:
        bleed = css_length_pt(options.bleed)
    except ValueError:
        bleed = -1.0
    if not 0 <= bleed <= css_length_pt(MARKS_ROOM):
        raise ConfigError(f"'print.bleed' must be a length from 0 to {MARKS_ROOM}, not {options.bleed!r}",
                          SourceLocation(path, _key_line(text, "bleed")),
                          'write bleed = "3mm", what printers ask for')


# BCP 47 (RFC 5646) language tags, well-formed: language, extlang, script, region, variants,
# extensions, private use; or a private-use tag alone. Case-insensitive.
_BCP47 = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wyz](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?"
    r"|x(?:-[a-z\d]{1,8})+", re.IGNORECASE)


def _check_book_meta(path: Path, text: str, book: BookMeta) -> None:
    """Metadata every edition prints or packages: present, and in the form the formats require."""
    def where(key: str) -> SourceLocation:
        return SourceLocation(path, _key_line(text, key, "book") or _key_line(text, "book"))

    for key in ("title", "identifier"):
        if not getattr(book, key).strip():
            raise ConfigError(f"'book.{key}' is empty", where(key),
                              "write the book's title" if key == "title" else
                              'write a stable unique id, e.g. identifier = "urn:uuid:…" (the EPUB needs one)')
    if not _BCP47.fullmatch(book.language):
        raise ConfigError(f"'book.language' must be a BCP 47 language tag, not {book.language!r}",
                          where("language"), 'write language = "zh-CN" (or "zh-Hans", "en", …)')
    if book.date:
        day = None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", book.date):
            try:
                day = _dt.date.fromisoformat(book.date)
            except ValueError:
                pass
        if day is None:
            raise ConfigError(f"'book.date' must be a real date written YYYY-MM-DD, not {book.date!r}",
                              where("date"), 'write date = "2020-05-29"')
    for creator in book.creators:
        if not creator.strip():
            raise ConfigError("'book.creators' holds an empty name", where("creators"),
                              'write each author\'s name, e.g. creators = ["朱宏博"], or leave the list out')


@dataclass(frozen=True)
class EpubOptions:
    """EPUB packaging switches."""

    embed_fonts: bool = True
    # Who assessed the EPUB against EPUB Accessibility 1.1 / WCAG 2.1 AA (a person or an
    # organisation, e.g. "活字书坊无障碍审校组"). Only then does the package claim conformance
    # (dcterms:conformsTo, a11y:certifiedBy); passing huozi's checks is not an assessment.
    accessibility_assessed_by: str = ""


def _check_epub(path: Path, text: str, options: EpubOptions) -> None:
    """A conformance claim names someone: a blank or one-character assessor is a slip."""
    who = options.accessibility_assessed_by
    if who and (len(who.strip()) < 2 or who != who.strip() or "\n" in who):
        raise ConfigError(f"'epub.accessibility_assessed_by' must name who assessed the book, not {who!r}",
                          SourceLocation(path, _key_line(text, "accessibility_assessed_by", "epub")),
                          'write accessibility_assessed_by = "NAME OF THE ASSESSOR", or remove the line '
                          "to claim no conformance")


# clreq §3.1.7's levels of line-start rules, and ctex's punctuation schemes (typst/typst#2460).
LINE_BREAK_LEVELS = ("basic", "strict")
PUNCTUATION_SCHEMES = ("quanjiao", "kaiming", "banjiao")


@dataclass(frozen=True)
class HtmlOptions:
    """The html edition (a static web site)."""

    # The print edition's page numbers in the margin, where each print page begins (as the
    # EPUB's page-list); false leaves them out.
    page_numbers: bool = True


@dataclass(frozen=True)
class TypographyOptions:
    """clreq options shared by the PDF editions."""

    # "basic" is clreq's recommended level; "strict" also keeps —— and …… off line starts.
    line_break: str = "basic"
    autospace: bool = True
    justify: bool = True
    # Widths of the marks (ctex's three schemes): "quanjiao" full width, adjacent marks 1.5 em;
    # "kaiming" 。！？ full and the others half; "banjiao" every mark half width.
    punctuation: str = "quanjiao"
    # A full-width mark ending a line is set half width (GB/T 15834-2011 allows it); an opening
    # bracket or quote starting a line likewise; `hanging` hangs 。，、 into the right margin instead.
    compress_line_end: bool = True
    compress_line_start: bool = False
    hanging: bool = False
    # Break each paragraph as a whole (total fit) rather than line by line.
    total_fit: bool = True


@dataclass(frozen=True)
class TocOptions:
    """How deep the contents, the PDF bookmarks and the EPUB nav go."""

    # 1: articles only; 2: and their ## sections; 3: and ### headings; up to 6.
    depth: int = 2


@dataclass(frozen=True)
class HeadingOptions:
    """Heading numbers the layout prints, so authors need not type them."""

    # "none", or "gb9704": 一、 （一） 1. （1） for ## to ##### (GB/T 9704-2012 §7.3.3).
    numbering: str = "none"


@dataclass(frozen=True)
class TablesOptions:
    """How tables are numbered."""

    # "book": 表1, 表2 … through the book; "article": 表2-1, 表2-2 … per article (its place in the book).
    numbering: str = "book"


TABLE_NUMBERING = ("book", "article")


@dataclass(frozen=True)
class SecurityOptions:
    """What the build may reach beyond the project folder (nothing, by default)."""

    # Hosts whose http(s) URLs the PDF renderer may fetch, e.g. ["example.org"].
    allow_hosts: tuple[str, ...] = ()
    # CPU seconds one template render may take (the typesetting of the text included) before
    # the build stops: a template that loops without end must not hang a CI runner.
    template_seconds: int = 120


@dataclass(frozen=True)
class FontsOptions:
    """The font families the book is set in, by role; each must be installed (fontconfig)."""

    body: str = "Noto Serif CJK SC"      # 宋体: running text
    heading: str = "Noto Sans CJK SC"    # 黑体: headings, captions, running heads, folios of the handout
    mono: str = "Noto Sans Mono CJK SC"  # code, with CJK glyphs a Latin monospace lacks
    quote: str = "AR PL UKai CN"         # quotations: 楷体, a real Kai face (Debian's fonts-arphic-ukai)

    def families(self) -> tuple[tuple[str, str], ...]:
        """(role, family) pairs, each family once, in role order."""
        seen: dict[str, str] = {}
        for role in ("body", "heading", "mono", "quote"):
            seen.setdefault(getattr(self, role), role)
        return tuple((role, family) for family, role in seen.items())


@dataclass(frozen=True)
class FootnoteOptions:
    """How footnotes are numbered (README, "Footnotes").

    "page": ①②③, starting again on every page: the convention of Chinese books (CY/T 121-2015,
    页下注), and the default, since huozi sets books first. "article": 1 2 3 through each
    article, as reports and papers number them. The EPUB has no pages: there "page" numbers
    ①②③ through each article.
    """

    numbering: str = "page"


NOTE_NUMBERING = ("page", "article")


@dataclass(frozen=True)
class ImageOptions:
    """What the build asks of the image files a manuscript shows."""

    # The press edition's resolution at the placed size: below it is a warning (an error with
    # `huozi check --strict`). 300 ppi is what printers ask of photographs.
    min_ppi: int = 300
    # The EPUB gets each image file as it is; true re-encodes JPEGs wider than 1600 px at that
    # width (quality 85), for readers on small devices.
    epub_shrink_jpeg: bool = False


@dataclass(frozen=True)
class LabelsOptions:
    """Words the layout prints on its own, in the book's language."""

    # The box printed where `::: photo CREDIT` names a photograph that is not supplied.
    photo_placeholder: str = "照片：本书未收录"


@dataclass(frozen=True)
class Config:
    """The whole book configuration and where it came from."""

    root: Path
    path: Path
    book: BookMeta
    print: PrintOptions = PrintOptions()
    epub: EpubOptions = EpubOptions()
    html: HtmlOptions = HtmlOptions()
    typography: TypographyOptions = TypographyOptions()
    security: SecurityOptions = SecurityOptions()
    toc: TocOptions = TocOptions()
    headings: HeadingOptions = HeadingOptions()
    tables: TablesOptions = TablesOptions()
    labels: LabelsOptions = LabelsOptions()
    fonts: FontsOptions = FontsOptions()
    footnotes: FootnoteOptions = FootnoteOptions()
    images: ImageOptions = ImageOptions()

    @property
    def manuscript_dir(self) -> Path:
        return self.root / "manuscript"

    @property
    def styles_dir(self) -> Path:
        return self.root / "styles"

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures"


_SECTIONS: dict[str, type] = {
    "book": BookMeta,
    "print": PrintOptions,
    "epub": EpubOptions,
    "html": HtmlOptions,
    "typography": TypographyOptions,
    "security": SecurityOptions,
    "toc": TocOptions,
    "headings": HeadingOptions,
    "tables": TablesOptions,
    "labels": LabelsOptions,
    "fonts": FontsOptions,
    "footnotes": FootnoteOptions,
    "images": ImageOptions,
}


def _key_line(text: str, key: str, section: str | None = None) -> int | None:
    """Line of the first `key =` or `[key]` in the TOML text (under `[section]` if given)."""
    inside = section is None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if section is not None and line.startswith("["):
            inside = line == f"[{section}]"
            if line == f"[{key}]" and not inside:
                continue
        if not inside:
            continue
        if line.startswith(f"{key} ") or line.startswith(f"{key}=") or line == f"[{key}]":
            return number
    return None


def config_key_line(path: Path, key: str, section: str | None = None) -> int | None:
    """The line of `key` (under `[section]`) in the config file, None when it is not written there."""
    try:
        return _key_line(path.read_text(encoding="utf-8"), key, section)
    except (OSError, UnicodeDecodeError):
        return None


def _section_of(key_path: str) -> str | None:
    return key_path.rpartition(".")[0] or None


def _unknown(path: Path, text: str, key_path: str, key: str, known: list[str]) -> ConfigError:
    hint = did_you_mean(key, known) or f"known keys: {', '.join(sorted(known))}"
    line = _key_line(text, key, _section_of(key_path))
    return ConfigError(f"unknown key '{key_path}'", SourceLocation(path, line), hint)


def _coerce(path: Path, text: str, key_path: str, key: str, value: Any, expected: Any) -> Any:
    kind = str(expected)
    if "tuple" in kind:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        wanted = "a list of strings"
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        wanted = "a whole number above 0"
    elif "bool" in kind:
        if isinstance(value, bool):
            return value
        wanted = "true or false"
    else:
        if isinstance(value, str):
            return value
        wanted = "a string"
    raise ConfigError(
        f"'{key_path}' must be {wanted}, not {type(value).__name__} {value!r}",
        SourceLocation(path, _key_line(text, key, _section_of(key_path))),
        f"write {key} = " + ('"…"' if wanted == "a string" else "…"),
    )


def _section(path: Path, text: str, name: str, raw: Any) -> Any:
    cls = _SECTIONS[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"'{name}' must be a table", SourceLocation(path, _key_line(text, name)),
                          f"write [{name}] on its own line, then its keys one per line")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise _unknown(path, text, f"{name}.{key}", key, list(known))
        values[key] = _coerce(path, text, f"{name}.{key}", key, value, known[key].type)
    try:
        return cls(**values)
    except TypeError:
        missing = [k for k, f in known.items() if k not in values
                   and f.default is MISSING and f.default_factory is MISSING]
        raise ConfigError(
            f"[{name}] lacks required keys: {', '.join(missing)}",
            SourceLocation(path, _key_line(text, name)),
            f"add them under [{name}]",
        ) from None


# A slug names the output files (SLUG-print.pdf, SLUG.epub): one plain file name, no folders,
# not hidden, in any script (书名 is fine), short enough for every file system with its suffix.
_SLUG = re.compile(r"[^\W_][\w.-]{0,79}")


def _check_slug(path: Path, text: str, slug: str) -> None:
    if _SLUG.fullmatch(slug) and ".." not in slug:
        return
    reason = ("is empty" if not slug else
              "has a folder separator" if "/" in slug or "\\" in slug else
              "is longer than 80 characters" if len(slug) > 80 else
              "must start with a letter or digit and hold only letters, digits, '-', '_' and '.'")
    raise ConfigError(f"'book.slug' {reason}: {slug!r}", SourceLocation(path, _key_line(text, "slug", "book")),
                      'the slug names the output files (SLUG-print.pdf, SLUG.epub): write e.g. slug = "annual-report-2025"')


def _check_fonts(path: Path, text: str, fonts: FontsOptions) -> None:
    """A family name goes into CSS as a quoted string: plain text only."""
    for f in fields(FontsOptions):
        family = getattr(fonts, f.name)
        if not family.strip() or re.search(r"[\"'\\;{}<>\n]", family):
            raise ConfigError(f"'fonts.{f.name}' must be a font family name, not {family!r}",
                              SourceLocation(path, _key_line(text, f.name, "fonts")),
                              "write the family as fc-list shows it, e.g. \"Noto Serif CJK SC\"")


def _check_typography(path: Path, text: str, options: TypographyOptions) -> None:
    if options.punctuation not in PUNCTUATION_SCHEMES:
        raise ConfigError(f"typography.punctuation must be one of {', '.join(PUNCTUATION_SCHEMES)}, "
                          f"not {options.punctuation!r}", SourceLocation(path, _key_line(text, "punctuation", "typography")),
                          'write punctuation = "quanjiao" (full width, the default)')
    if options.line_break not in LINE_BREAK_LEVELS:
        raise ConfigError(f"typography.line_break must be one of {', '.join(LINE_BREAK_LEVELS)}, "
                          f"not {options.line_break!r}", SourceLocation(path, _key_line(text, "line_break", "typography")),
                          'write line_break = "basic" (clreq\'s recommended level)')


def load_config(root: Path) -> Config:
    """Read and validate `book.toml` in the project folder `root`."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"no {CONFIG_NAME} in {root}", SourceLocation(path),
            "run huozi in a book project folder, or create one with 'huozi new DIR'",
        )
    text = read_text(path, ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the message.
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", str(exc))
        raise ConfigError(f"not valid TOML: {message}", SourceLocation(path, line, column),
                          'TOML is "key = value" lines under [table] headers; strings in "quotes"') from None
    sections = {}
    for name, raw in data.items():
        if name not in _SECTIONS:
            raise _unknown(path, text, name, name, list(_SECTIONS))
        sections[name] = _section(path, text, name, raw)
    if "book" not in sections:
        raise ConfigError("the [book] table is missing", SourceLocation(path, 1),
                          "add [book] with title, slug and identifier")
    _check_slug(path, text, sections["book"].slug)
    _check_book_meta(path, text, sections["book"])
    if "fonts" in sections:
        _check_fonts(path, text, sections["fonts"])
    if "print" in sections:
        _check_print(path, text, sections["print"])
    if "typography" in sections:
        _check_typography(path, text, sections["typography"])
    if "toc" in sections and not 1 <= sections["toc"].depth <= 6:
        raise ConfigError(f"toc.depth must be 1 to 6, not {sections['toc'].depth}",
                          SourceLocation(path, _key_line(text, "depth", "toc")),
                          "write depth = 2 (articles and their ## sections)")
    if "headings" in sections and sections["headings"].numbering not in ("none", "gb9704"):
        raise ConfigError(f"headings.numbering must be \"none\" or \"gb9704\", not {sections['headings'].numbering!r}",
                          SourceLocation(path, _key_line(text, "numbering", "headings")),
                          'write numbering = "gb9704" for 一、（一）1.（1）, or "none"')
    if "tables" in sections and sections["tables"].numbering not in TABLE_NUMBERING:
        raise ConfigError(f"tables.numbering must be \"book\" or \"article\", not {sections['tables'].numbering!r}",
                          SourceLocation(path, _key_line(text, "numbering", "tables")),
                          'write numbering = "book" for 表1, 表2 … or "article" for 表2-1, 表2-2 …')
    if "epub" in sections:
        _check_epub(path, text, sections["epub"])
    if "footnotes" in sections and sections["footnotes"].numbering not in NOTE_NUMBERING:
        raise ConfigError(f"footnotes.numbering must be \"page\" or \"article\", not {sections['footnotes'].numbering!r}",
                          SourceLocation(path, _key_line(text, "numbering", "footnotes")),
                          'write numbering = "page" for ①②③ on each page (books), or "article" for 1 2 3 (reports)')
    return Config(root=root, path=path, **sections)
