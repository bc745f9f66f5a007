"""Figure specs (figures/*.toml): what a figure draws, its number, caption, source line and alt text."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FigureError, SourceLocation, did_you_mean, line_of
from ..manuscript.model import Table
from ..sources import read_text
from .facts import FACTS_NAME, Fact, FactBook, cell_number, read_toml

KINDS = ("bars", "pairings", "panel", "timeline")
SPEC_KEYS = {"id", "number", "kind", "caption", "source", "alt", "facts", "note", "group", "table", "column", "unit"}
# A figure may draw a manuscript table instead of facts: one bar per row, the row's first cell its
# label, its number in `column` (the header as typed) its length, `unit` printed after it.
TABLE_KINDS = ("bars",)
GROUP_KEYS = {"title", "facts"}
SOURCE_PREFIX = "数据来源："
# {fact-id} is the fact's number as printed (483亿元); {fact-id.year} its year; {fact-id.label} its label;
# {pairings} lists every east→west pair of the data file.
FIGURE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
PLACEHOLDER = re.compile(r"\{([a-z0-9][a-z0-9-]*)(?:\.(year|label|short))?\}")


@dataclass(frozen=True)
class Group:
    """A titled set of facts, one row of a key-figures panel."""

    title: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class FigureSpec:
    """One figure as the editor describes it, with its placeholders filled from the data."""

    id: str
    number: int
    kind: str
    caption: str
    source: str
    alt: str
    facts: tuple[Fact, ...]
    path: Path
    note: str = ""
    groups: tuple[Group, ...] = ()

    @property
    def label(self) -> str:
        return f"图{self.number}"

    @property
    def all_facts(self) -> tuple[Fact, ...]:
        """The facts the figure draws, in order, each once."""
        seen = {f.id: f for f in self.facts}
        for group in self.groups:
            seen.update({f.id: f for f in group.facts})
        return tuple(seen.values())


def _line_of(source: str, pattern: str) -> int | None:
    return line_of(source, lambda line: re.match(pattern, line.strip()) is not None)


def fill(text: str, book: FactBook, where: SourceLocation, rows: tuple[Fact, ...] = ()) -> str:
    """Replace each {fact-id} in `text` with the fact's printed number (or .year, .label, .short);
    `{table}` lists a table-fed figure's `rows` (label and number, as the bars print them)."""
    def one(match: re.Match[str]) -> str:
        if match.group(1) == "pairings" and not match.group(2):
            return pairings_sentence(book)
        if match.group(1) == "table" and not match.group(2) and rows:
            return "；".join(f"{f.label}：{f.text}" for f in rows)
        fact = _fact(book, match.group(1), where)
        field = match.group(2)
        if field == "year":
            return f"{fact.year}年"
        if field in ("label", "short"):
            return fact.label if field == "label" else fact.name
        if fact.value is None:
            raise FigureError(f"fact '{fact.id}' has no number to put in {{{fact.id}}}", where,
                              f"write {{{fact.id}.label}} or {{{fact.id}.year}} instead")
        return fact.text
    filled = PLACEHOLDER.sub(one, text)
    if leftover := re.search(r"\{[^{}]*\}", PLACEHOLDER.sub("", text)):
        # A typo ({East-purchases}, {fact.yaer}) would otherwise be printed as it is.
        name = "{" + leftover[0][1:-1].strip().lower() + "}"
        known = ["{pairings}"] + [f"{{{fact}{field}}}" for fact in book.facts
                                  for field in ("", ".year", ".label", ".short")]
        guess = did_you_mean(name, known)
        raise FigureError(f"'{leftover[0]}' is not a placeholder: it names no fact (or no field of one)", where,
                          (f"{guess} " if guess else "") + "placeholders are {fact-id}, {fact-id.year}, "
                          "{fact-id.label}, {fact-id.short} and {pairings}")
    return filled


def pairings_sentence(book: FactBook) -> str:
    """Every pair in words, for alt text: 北京帮扶内蒙古（1996年起）、…"""
    return "、".join(f"{p.east}帮扶{p.west}" + (f"（{p.since}年起）" if p.since else "") for p in book.pairings)


def _fact(book: FactBook, fact_id: str, where: SourceLocation) -> Fact:
    if fact_id not in book.facts:
        raise FigureError(f"unknown fact '{fact_id}'", where,
                          did_you_mean(fact_id, book.facts) or f"facts are defined in figures/{FACTS_NAME}")
    return book.facts[fact_id]


def _check_keys(item: dict[str, Any], allowed: set[str], where: SourceLocation) -> None:
    for key in item:
        if key not in allowed:
            raise FigureError(f"unknown field '{key}'", where,
                              did_you_mean(key, allowed) or f"known fields: {', '.join(sorted(allowed))}")


def table_facts(path: Path, source: str, data: dict[str, Any], tables: Mapping[str, tuple[Path, Table]]) -> tuple[Fact, ...]:
    """The bars of a figure drawn from a manuscript table: one per row, as facts (label, number, unit)."""
    def at(key: str) -> SourceLocation:
        return SourceLocation(path, _line_of(source, rf"{key}\s*="))

    for key in ("table", "column", "unit"):
        if not isinstance(data.get(key, ""), str):
            raise FigureError(f"'{key}' must be text in \"quotes\", not {data[key]!r}", at(key), f'write {key} = "…"')
    if "facts" in data or "group" in data:
        raise FigureError("a figure takes its numbers from a table or from facts, not both", at("table"),
                          "remove 'facts' (or 'table' and 'column')")
    if data["kind"] not in TABLE_KINDS:
        raise FigureError(f"a figure of kind '{data['kind']}' cannot be drawn from a table", at("kind"),
                          f"draw a table as {', '.join(TABLE_KINDS)}")
    ident = data["table"]
    if ident not in tables:
        raise FigureError(f"the figure names the table '{ident}', which the manuscript does not have", at("table"),
                          did_you_mean(ident, tables) or
                          "give the table's caption that id: 'Table: 标题 {#" + ident + "}'")
    manuscript_path, table = tables[ident]
    headers = [cell.text for cell in table.header[0].cells]
    column = data.get("column", "")
    if column not in headers[1:]:
        raise FigureError(f"table '{ident}' has no column headed “{column}” to draw", at("column"),
                          f"write column = \"…\" as one of: {'、'.join(headers[1:])}")
    index = headers.index(column)
    unit = data.get("unit", "")
    facts = []
    for number, row in enumerate(table.rows, 1):
        text = cell_number(row.cells[index].text).removesuffix(unit)
        try:
            value: int | float = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            raise FigureError(f"the cell “{row.cells[index].text}” in column “{column}” is not a number to draw",
                              SourceLocation(manuscript_path, row.line),
                              "write the number alone in the cell (its unit in the header), or draw another column") from None
        facts.append(Fact(id=f"{ident}-{number}", label=row.cells[0].text or str(number), year=0,
                          file=manuscript_path.name, quote="", line=row.line, value=value, unit=unit))
    if not facts:
        raise FigureError(f"table '{ident}' has no rows to draw", at("table"), "draw a table that has rows")
    return tuple(facts)


def load_spec(path: Path, book: FactBook, tables: Mapping[str, tuple[Path, Table]] | None = None) -> FigureSpec:
    """Read one spec; every fact (or table) it names must exist, every required field must be there."""
    source = read_text(path, FigureError)
    data = read_toml(path, source)
    where = SourceLocation(path, 1)
    _check_keys(data, SPEC_KEYS, where)
    for key in ("id", "number", "kind", "caption", "source", "alt"):
        if key not in data:
            raise FigureError(f"figure spec lacks '{key}'", where, f"add '{key} = …'")

    def at(key: str) -> SourceLocation:
        return SourceLocation(path, _line_of(source, rf"{key}\s*="))

    for key, value in data.items():
        if key in ("number", "group", "table", "column", "unit"):
            continue
        wanted = list if key == "facts" else str
        if not isinstance(value, wanted) or (wanted is list and not all(isinstance(v, str) for v in value)):
            what = 'a list of fact ids: facts = ["…", "…"]' if wanted is list else f'text in "quotes": {key} = "…"'
            raise FigureError(f"'{key}' must be {what.split(':')[0]}, not {value!r}", at(key), f"write {what.split(': ')[1]}")
    for key in ("id", "caption", "alt"):
        if not data[key].strip():
            raise FigureError(f"'{key}' of the figure is empty", at(key),
                              "the alt text states the figure's numbers in words; the caption names it"
                              if key != "id" else 'write an id such as id = "purchases-2019"')
    if not FIGURE_ID.fullmatch(data["id"]):
        raise FigureError(f"figure id {data['id']!r} may hold only letters, digits, '-' and '_'", at("id"),
                          "write an id such as id = \"purchases-2019\" (it names the figure in the book's files)")
    if data["kind"] not in KINDS:
        raise FigureError(f"unknown figure kind '{data['kind']}'", at("kind"), f"choose from {', '.join(KINDS)}")
    if not str(data["source"]).startswith(SOURCE_PREFIX):
        raise FigureError(f"the source line must start with {SOURCE_PREFIX}", at("source"))
    if not isinstance(data["number"], int) or data["number"] < 1:
        raise FigureError("number must be a whole number (1 for 图1)", at("number"))
    rows = table_facts(path, source, data, tables or {}) if "table" in data else ()
    facts = rows or tuple(_fact(book, fid, at("facts")) for fid in data.get("facts", []))
    groups = []
    groups_data = data.get("group", [])
    if not isinstance(groups_data, list) or not all(
            isinstance(g, dict) and isinstance(g.get("title", ""), str)
            and isinstance(g.get("facts", []), list) and all(isinstance(f, str) for f in g.get("facts", []))
            for g in groups_data):
        raise FigureError("each [[group]] must have a title in quotes and a list of fact ids",
                          SourceLocation(path, _line_of(source, r"\[\[group\]\]") or 1),
                          'write [[group]], then title = "…" and facts = ["…", "…"]')
    for item in groups_data:
        _check_keys(item, GROUP_KEYS, SourceLocation(path, _line_of(source, r"\[\[group\]\]")))
        title = fill(item.get("title", ""), book, at("title"))
        groups.append(Group(title, tuple(_fact(book, fid, at("facts")) for fid in item.get("facts", []))))
    return FigureSpec(
        id=data["id"], number=data["number"], kind=data["kind"], path=path,
        caption=fill(data["caption"], book, at("caption"), rows), source=fill(data["source"], book, at("source"), rows),
        alt=fill(data["alt"], book, at("alt"), rows), note=fill(data.get("note", ""), book, at("note"), rows),
        facts=facts, groups=tuple(groups),
    )


def load_specs(figures_dir: Path, book: FactBook,
               tables: Mapping[str, tuple[Path, Table]] | None = None) -> dict[str, FigureSpec]:
    """Every figures/*.toml except the data file, keyed by figure id; ids and numbers are unique."""
    specs: dict[str, FigureSpec] = {}
    numbers: dict[int, FigureSpec] = {}
    for path in sorted(figures_dir.glob("*.toml")):
        if path.name == FACTS_NAME:
            continue
        spec = load_spec(path, book, tables)
        if spec.id in specs:
            raise FigureError(f"two figures share the id '{spec.id}'", SourceLocation(path, 1),
                              f"the other is {specs[spec.id].path.name}")
        if spec.number in numbers:
            raise FigureError(f"two figures are both {spec.label}", SourceLocation(path, 1),
                              f"the other is {numbers[spec.number].path.name}")
        specs[spec.id] = numbers[spec.number] = spec
    return specs
