"""The key numbers (figures/facts.toml) and the check that the manuscript still says them."""
from __future__ import annotations

import decimal
import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import FigureError, SourceLocation, did_you_mean
from ..manuscript.model import Manuscript, Table
from ..manuscript.parse import join_soft_break
from ..sources import read_text

FACTS_NAME = "facts.toml"
QUALIFIERS = ("", "余", "多")
FACT_KEYS = {"id", "value", "qualifier", "unit", "label", "short", "year", "file", "quote", "table", "row", "column"}
# Where a fact is stated: in the prose (the file and the words), or in a cell of a manuscript table
# (the table's id, the row by its first cell, the column by its header).
PROSE_KEYS = ("file", "quote")
CELL_KEYS = ("table", "row", "column")
PAIRING_KEYS = {"east", "west", "since", "file", "quote"}
# A number as Chinese newspapers print it: digits, an optional decimal part, never part of a longer number.
NUMBER = r"(?<![\d.])\d+(?:\.\d+)?"


def format_number(value: int | float) -> str:
    """A number as written in the data, never rounded or in exponent form: 1.523456, 1.5, 7400.

    (`:g` keeps six significant digits, so 1.523456 became 1.52346 and matched no prose.)
    """
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(decimal.Decimal(repr(value)), "f")


@dataclass(frozen=True)
class Fact:
    """One key number (or dated event) and the exact words of the manuscript that state it."""

    id: str
    label: str
    year: int
    file: str
    quote: str
    line: int  # line of its `id = …` in facts.toml
    value: int | float | None = None
    qualifier: str = ""
    unit: str = ""
    short: str = ""
    table: str = ""   # a table's id: the fact is the cell in `row` (its first cell) and `column` (its header)
    row: str = ""
    column: str = ""

    @property
    def text(self) -> str:
        """The number as the prose prints it: 7400余万元, 1.5亿元, 71%."""
        if self.value is None:
            return ""
        return f"{format_number(self.value)}{self.qualifier}{self.unit}"

    @property
    def name(self) -> str:
        """The chart label: the short one when there is one."""
        return self.short or self.label


@dataclass(frozen=True)
class Pairing:
    """An eastern region that helps a western one (东西部扶贫协作 pair), as the manuscript names it."""

    east: str
    west: str
    file: str
    quote: str
    line: int
    since: int | None = None


@dataclass(frozen=True)
class FactBook:
    """Everything in figures/facts.toml."""

    path: Path
    facts: dict[str, Fact]
    pairings: tuple[Pairing, ...]

    def where(self, line: int) -> SourceLocation:
        return SourceLocation(self.path, line)

    def cite(self, line: int) -> str:
        """`figures/facts.toml:12`, short enough for a message."""
        return f"{self.path.parent.name}/{self.path.name}:{line}"


@dataclass(frozen=True)
class SourceText:
    """A manuscript file with soft line breaks joined, each character mapped to its source line."""

    path: Path
    text: str
    lines: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        return self.lines[min(offset, len(self.lines) - 1)] if self.lines else 1


def _item_lines(source: str, table: str) -> list[int]:
    """The 1-based line of each `[[table]]` header, so messages can point into the TOML."""
    return [n for n, line in enumerate(source.split("\n"), 1) if line.strip() == f"[[{table}]]"]


def _check_keys(path: Path, line: int, item: dict, allowed: set[str], required: tuple[str, ...]) -> None:
    for key in item:
        if key not in allowed:
            raise FigureError(f"unknown field '{key}'", SourceLocation(path, line),
                              did_you_mean(key, allowed) or f"known fields: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in item:
            raise FigureError(f"missing field '{key}'", SourceLocation(path, line), f"add '{key} = …'")


def field_line(source: str, start: int, key: str) -> int:
    """The line of `key = …` in the TOML table whose header is at line `start` (else `start`)."""
    lines = source.split("\n")
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1].strip()
        if line.startswith("["):
            break
        if re.match(rf"{re.escape(key)}\s*=", line):
            return number
    return start


# The type of each field of a fact and a pairing, as TOML gives it: (type, what it is, an example).
_TEXT = (str, 'text in "quotes"', '{key} = "…"')
_YEAR = (int, "a year written in digits", "{key} = 2019")
FIELD_TYPES = {"id": _TEXT, "label": _TEXT, "short": _TEXT, "file": _TEXT, "quote": _TEXT, "unit": _TEXT,
               "qualifier": _TEXT, "year": _YEAR, "east": _TEXT, "west": _TEXT, "since": _YEAR,
               "table": _TEXT, "row": _TEXT, "column": _TEXT}
MAY_BE_EMPTY = {"unit", "qualifier", "short"}


def _check_types(path: Path, source: str, line: int, item: dict) -> None:
    for key, value in item.items():
        if key not in FIELD_TYPES:
            continue
        kind, what, example = FIELD_TYPES[key]
        empty = kind is str and isinstance(value, str) and not value.strip() and key not in MAY_BE_EMPTY
        if not isinstance(value, kind) or isinstance(value, bool) or empty:
            raise FigureError(f"'{key}' must be {'non-empty ' if empty else ''}{what}, not {value!r}",
                              SourceLocation(path, field_line(source, line, key)),
                              f"write {example.format(key=key)}")


def _fact(path: Path, line: int, item: dict, source: str = "") -> Fact:
    in_table = "table" in item
    _check_keys(path, line, item, FACT_KEYS, ("id", "label", "year") + (CELL_KEYS if in_table else PROSE_KEYS))
    if in_table and any(key in item for key in PROSE_KEYS) and not all(key in item for key in PROSE_KEYS):
        raise FigureError(f"fact '{item['id']}' names a table cell and only half of a quote", SourceLocation(path, line),
                          "a fact in a table needs table, row and column; add file and quote only when the "
                          "prose states it too")
    _check_types(path, source, line, item)
    value = item.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value)):
        raise FigureError(f"fact '{item['id']}': value must be a number", SourceLocation(path, line),
                          "write the number without its unit: value = 7400, unit = \"万元\"")
    qualifier = item.get("qualifier", "")
    if qualifier not in QUALIFIERS:
        raise FigureError(f"fact '{item['id']}': qualifier must be \"余\", \"多\" or empty", SourceLocation(path, line))
    if value is None and (qualifier or item.get("unit")):
        raise FigureError(f"fact '{item['id']}' has a unit but no value", SourceLocation(path, line))
    if in_table and value is None:
        raise FigureError(f"fact '{item['id']}' names a table cell but has no value", SourceLocation(path, line),
                          "write the cell's number as value = …")
    return Fact(id=item["id"], label=item["label"], year=item["year"], file=item.get("file", ""),
                quote=item.get("quote", ""), line=line, value=value, qualifier=qualifier, unit=item.get("unit", ""),
                short=item.get("short", ""), table=item.get("table", ""), row=item.get("row", ""),
                column=item.get("column", ""))


def read_toml(path: Path, source: str) -> dict:
    """Parse a figures/ TOML file; a syntax error is a FigureError at its line."""
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else None
        raise FigureError(f"malformed TOML: {exc}", SourceLocation(path, line)) from None


def load_facts(figures_dir: Path) -> FactBook:
    """Read figures/facts.toml; malformed or duplicate entries are FigureErrors with file:line."""
    path = figures_dir / FACTS_NAME
    if not path.is_file():
        raise FigureError("the key-number data file does not exist", SourceLocation(path),
                          "create figures/facts.toml with one [[fact]] per number")
    source = read_text(path, FigureError)
    data = read_toml(path, source)
    facts: dict[str, Fact] = {}
    for line, item in zip(_item_lines(source, "fact"), data.get("fact", [])):
        fact = _fact(path, line, item, source)
        if fact.id in facts:
            raise FigureError(f"two facts share the id '{fact.id}'", SourceLocation(path, line),
                              f"the first is at line {facts[fact.id].line}; rename one")
        facts[fact.id] = fact
    pairings = []
    for line, item in zip(_item_lines(source, "pairing"), data.get("pairing", [])):
        _check_keys(path, line, item, PAIRING_KEYS, ("east", "west", "file", "quote"))
        _check_types(path, source, line, item)
        pairings.append(Pairing(item["east"], item["west"], item["file"], item["quote"], line, item.get("since")))
    return FactBook(path, facts, tuple(pairings))


def read_source(path: Path) -> SourceText:
    """Join the file's lines as the parser joins soft breaks; a blank line stays a paragraph break."""
    chars: list[str] = []
    lines: list[int] = []
    previous = ""
    for number, raw in enumerate(read_text(path, FigureError).split("\n"), 1):
        line = raw.strip()
        joiner = "\n" if not line or not previous else join_soft_break(previous, line)
        chars.append(joiner + line)
        lines.extend([number] * (len(joiner) + len(line)))
        previous = line
    return SourceText(path, "".join(chars), tuple(lines))


def _number_in(text: str, fact: Fact) -> re.Match | None:
    """Where `fact`'s printed number stands in `text` as a whole number (7400 does not match 17400)."""
    return re.search(r"(?<![\d.])" + re.escape(fact.text), text)


def _what_prose_says(source: SourceText, fact: Fact) -> tuple[str, int] | None:
    """The words the prose now has where the fact's number stood, found by the quote's context."""
    hit = _number_in(fact.quote, fact)
    if hit is None:
        return None
    before, after = fact.quote[: hit.start()], fact.quote[hit.end():]
    # The context either side must survive; what stands between is what the prose says now:
    # first a number with the same unit, then any short run of words.
    middles = [NUMBER + r"[余多]?" + re.escape(fact.unit), r"[^\n。；，]{1,24}" + ("?" if after else "")]
    contexts = [(before, after), (before[-8:], after[:8])]
    for head, tail in contexts:
        for middle in middles:
            found = re.search(re.escape(head) + f"({middle})" + re.escape(tail), source.text)
            if found is not None and (head or tail) and found.group(1) != fact.text:
                return found.group(1), source.line_at(found.start(1))
    return None


def _nearest_line(source: SourceText, quote: str) -> int:
    """The line of the text most like `quote`, for a quote the editor rewrote."""
    best, best_offset = 0.0, 0
    width = len(quote)
    for offset in range(0, max(1, len(source.text) - width + 1)):
        ratio = difflib.SequenceMatcher(None, source.text[offset:offset + width], quote).quick_ratio()
        if ratio > best:
            best, best_offset = ratio, offset
    return source.line_at(best_offset)


def _source(book: FactBook, sources: dict[str, SourceText], name: str, line: int, owner: str) -> SourceText:
    if name not in sources:
        raise FigureError(f"{owner} names the manuscript file '{name}', which does not exist", book.where(line),
                          f"choose one of: {', '.join(sorted(sources))}")
    return sources[name]


def check_fact(book: FactBook, fact: Fact, sources: dict[str, SourceText]) -> int:
    """The manuscript line that states `fact`; a FigureError when prose and data disagree."""
    source = _source(book, sources, fact.file, fact.line, f"fact '{fact.id}'")
    at = source.text.find(fact.quote)
    if fact.value is not None and _number_in(fact.quote, fact) is None:
        # The data changed but its quote (and perhaps the prose) did not.
        where = SourceLocation(source.path, source.line_at(at)) if at >= 0 else book.where(fact.line)
        stated = re.search(NUMBER + r"[余多]?" + re.escape(fact.unit), fact.quote) if fact.unit else None
        said = f"{stated.group(0)}: " if stated else ""
        raise FigureError(
            f"fact '{fact.id}' ({book.cite(fact.line)}) says {fact.text}, but the manuscript says "
            f"{said}“{fact.quote}”", where,
            f"correct the value in {book.path.name} or the prose, so that both say the same number")
    if at >= 0:
        return source.line_at(at)
    prose = _what_prose_says(source, fact) if fact.value is not None else None
    if prose is not None:
        words, line = prose
        raise FigureError(
            f"the prose says {words} where fact '{fact.id}' ({book.cite(fact.line)}) says {fact.text}",
            SourceLocation(source.path, line),
            f"correct the prose, or the value and quote of '{fact.id}' in {book.path.name}")
    line = _nearest_line(source, fact.quote)
    raise FigureError(
        f"the quote of fact '{fact.id}' ({book.cite(fact.line)}) is no longer in the manuscript: "
        f"“{fact.quote}”", SourceLocation(source.path, line),
        f"the nearest text is at this line; restore it or update the quote in {book.path.name}")


def check_pairing(book: FactBook, pairing: Pairing, sources: dict[str, SourceText]) -> int:
    """The manuscript line that names the pair; a FigureError when its words are gone."""
    owner = f"pairing {pairing.east}→{pairing.west}"
    source = _source(book, sources, pairing.file, pairing.line, owner)
    at = source.text.find(pairing.quote)
    if at < 0:
        raise FigureError(f"the quote of {owner} ({book.cite(pairing.line)}) is no longer in the "
                          f"manuscript: “{pairing.quote}”", SourceLocation(source.path, _nearest_line(source, pairing.quote)),
                          f"restore the words or update the quote in {book.path.name}")
    return source.line_at(at)


def cell_number(text: str) -> str:
    """A cell's number as facts print theirs: thousands separators dropped (1,234 -> 1234)."""
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text.strip())


def check_cell(book: FactBook, fact: Fact, tables: Mapping[str, tuple[Path, Table]]) -> int:
    """The manuscript line of the table row that states `fact`; a FigureError when cell and data disagree."""
    if fact.table not in tables:
        raise FigureError(f"fact '{fact.id}' names the table '{fact.table}', which the manuscript does not have",
                          SourceLocation(book.path, field_line(_toml_text(book), fact.line, "table")),
                          did_you_mean(fact.table, tables) or
                          "give the table's caption that id: 'Table: 标题 {#" + fact.table + "}'")
    path, table = tables[fact.table]
    headers = [cell.text for cell in table.header[0].cells]
    if fact.column not in headers:
        guess = did_you_mean(fact.column, headers, "“”")
        raise FigureError(f"fact '{fact.id}': table '{fact.table}' has no column headed “{fact.column}”",
                          SourceLocation(path, table.header[0].line),
                          f"{guess} write the header as it stands in the table" if guess
                          else f"its columns: {'、'.join(headers)}")
    stubs = [row.cells[0].text for row in table.rows]
    if stubs.count(fact.row) != 1:
        guess = did_you_mean(fact.row, stubs, "“”") if fact.row not in stubs else None
        what = "two rows start" if stubs.count(fact.row) > 1 else "no row starts"
        raise FigureError(f"fact '{fact.id}': in table '{fact.table}' {what} with “{fact.row}”",
                          SourceLocation(path, table.line),
                          (f"{guess} " if guess else "")
                          + "a fact names its row by the row's first cell, which must be unique")
    row = table.rows[stubs.index(fact.row)]
    said = cell_number(row.cells[headers.index(fact.column)].text)
    assert fact.value is not None, "a fact read from a table cell has a value"
    number = f"{format_number(fact.value)}{fact.qualifier}"
    if said not in (number, number + fact.unit):
        raise FigureError(
            f"the table says {said or 'nothing'} where fact '{fact.id}' ({book.cite(fact.line)}) says {fact.text} "
            f"(row “{fact.row}”, column “{fact.column}”)", SourceLocation(path, row.line),
            f"correct the cell, or the value of '{fact.id}' in {book.path.name}")
    return row.line


def _toml_text(book: FactBook) -> str:
    return read_text(book.path, FigureError)


def manuscript_tables(manuscript: Manuscript) -> dict[str, tuple[Path, Table]]:
    """Each captioned table with an id the author gave, by id."""
    return {table.anchor: (article.path, table) for article, table in manuscript.tables if table.explicit_id}


def check_facts(book: FactBook, manuscript_files: tuple[Path, ...],
                tables: Mapping[str, tuple[Path, Table]] | None = None) -> dict[str, int]:
    """Check every fact and pairing against the manuscript's prose and `tables` (manuscript_tables);
    map fact id -> manuscript line."""
    sources = {path.name: read_source(path) for path in manuscript_files}
    tables = tables or {}
    lines: dict[str, int] = {}
    for fact in book.facts.values():
        if fact.table:
            lines[fact.id] = check_cell(book, fact, tables)
        if fact.quote:
            lines[fact.id] = check_fact(book, fact, sources)
    for pairing in book.pairings:
        check_pairing(book, pairing, sources)
    return lines
