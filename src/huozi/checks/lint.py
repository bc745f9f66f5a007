"""Typographic lint of the laid-out pages: clreq rules measured on WeasyPrint's line boxes.

`lint_document` walks a rendered ``weasyprint.Document`` (pages -> boxes -> line boxes)
and reports, for one edition: how many non-final body lines are flush with the column's
right edge, lines that start or end with a prohibited mark (clreq §3.1.7), —— or ……
split across lines, last lines holding one character (孤字), headings stranded at a page
foot or separated from the first two lines of what follows, paragraphs leaving a single
line on a page (orphans and widows), figures split from their captions, and the width of
every Han–Western gap (clreq §3.2.1). Each finding carries its page, its line on that page and
the manuscript's file:line, taken from the ``data-src`` (article) and ``data-line``
(paragraph, heading) attributes that ``styles/blocks.html.j2`` writes.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..contract import AUTOSPACE, CODE_LINE, FOOTNOTE_CALL, SOURCE_FILE, SOURCE_LINE, TURNED_PART
from ..errors import SourceLocation
from ..manuscript.model import Manuscript
from ..pdf import boxes
from ..text.chars import NO_END, han_western, is_han, strip_controls
from ..text.typeset import TypesetRules, rules_for
from .findings import Finding

BREAKS_ATTRIBUTE = "data-huozi-breaks"  # set by huozi.pdf.weasy_patch on each paragraph it breaks

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px
FLUSH_TOLERANCE_PT = 0.5
OVERFLOW_TOLERANCE_PT = 0.5  # text beyond the column or the page's text block: never reaches the reader
GAP_RANGE_EM = (0.15, 0.35)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class LintFinding:
    """One place where the pages break a rule."""

    # flush, line-start, line-end, split-pair, lone-char, stranded-heading, widow-orphan, split-figure,
    # han-western-gap, overflow, greedy (a paragraph the total-fit breaker left to WeasyPrint)
    rule: str
    page: int
    line: int
    where: SourceLocation | None
    text: str
    detail: str = ""

    def __str__(self) -> str:
        source = f" ({self.where})" if self.where else ""
        return f"page {self.page} line {self.line}{source}: {self.rule}: {self.detail} «{self.text}»"


@dataclass(frozen=True)
class Line:
    """A laid-out line: its visible text, its place and its column."""

    page: int
    number: int  # 1-based, counting every line box on the page from the top
    text: str
    left: float  # CSS px
    right: float
    column_left: float
    column_right: float
    block: str  # p, h1, h2, ... or the enclosing block's tag
    paragraph: int | None  # id() of the body paragraph's element, None outside body paragraphs
    where: SourceLocation | None
    gaps_em: tuple[float, ...] = ()  # Han–Western gaps on this line
    element: int = 0  # id() of the block's element: its lines are one paragraph of text
    text_left: float = float("-inf")  # the page's text block
    text_right: float = float("inf")
    first: bool = False  # the block's first line (its start is the text's start, not a break)
    final: bool = False  # the block's last line
    spacing_em: float = 0.0  # letter spacing justification put in each gap between wide characters
    forced: bool = False  # ends at a hard line break (<br>): not justified, like a last line
    breaks: str = ""  # how the paragraph was broken (weasy_patch.BREAKS_ATTRIBUTE): total-fit, fallback: …


@dataclass(frozen=True)
class LintReport:
    """What the lint measured on one edition."""

    edition: str
    lines: tuple[Line, ...]
    findings: tuple[LintFinding, ...]
    nonfinal_lines: int = 0
    flush_lines: int = 0
    gaps_em: tuple[float, ...] = field(default=())

    @property
    def flush_share(self) -> float:
        return self.flush_lines / self.nonfinal_lines if self.nonfinal_lines else 1.0

    def spacing_em(self) -> list[float]:
        """Per-gap letter spacing of each non-final body line, sorted."""
        return sorted(line.spacing_em for line in self.lines
                      if line.paragraph is not None and not line.final and not line.forced)

    @property
    def worst_spacing_em(self) -> float:
        return max(self.spacing_em(), default=0.0, key=abs)

    @property
    def p90_spacing_em(self) -> float:
        values = self.spacing_em()
        return values[int(0.9 * (len(values) - 1))] if values else 0.0

    def metrics(self) -> dict:
        """The even-colour measures for dist/build-report.json (issue 16)."""
        return {
            "nonfinal_lines": self.nonfinal_lines,
            "flush_lines": self.flush_lines,
            "spacing_worst_em": round(self.worst_spacing_em, 4),
            "spacing_p90_em": round(self.p90_spacing_em, 4),
            "greedy_paragraphs": self.fallbacks(),
            "overflow": self.count("overflow"),
            "violations": sum(1 for f in self.findings if f.rule not in ("flush", "greedy")),
        }

    def fallbacks(self) -> int:
        """Body paragraphs broken greedily: the total-fit breaker could not know or enforce their lines."""
        return len({line.paragraph for line in self.lines
                    if line.paragraph is not None and line.breaks.startswith("fallback")})

    def record(self) -> dict[str, Any]:
        """The summary and the findings as plain values: kept in the build's state for `huozi check`."""
        return {"edition": self.edition, "summary": self.summary(), "findings": [
            {"rule": f.rule, "page": f.page, "line": f.line, "text": f.text, "detail": f.detail,
             "file": str(f.where.path) if f.where else None, "source_line": f.where.line if f.where else None,
             "column": f.where.column if f.where else None}
            for f in self.findings]}

    def count(self, rule: str) -> int:
        return sum(1 for f in self.findings if f.rule == rule)

    def summary(self) -> str:
        rules = ("line-start", "line-end", "split-pair", "lone-char", "stranded-heading", "widow-orphan",
                 "split-figure", "han-western-gap", "overflow")
        counts = ", ".join(f"{r} {self.count(r)}" for r in rules)
        return (f"{self.edition}: {self.flush_lines}/{self.nonfinal_lines} non-final body lines flush "
                f"({self.flush_share:.1%}); letter spacing per gap worst {self.worst_spacing_em:.3f} em, "
                f"p90 {self.p90_spacing_em:.3f} em; {self.fallbacks()} paragraph(s) broken greedily; "
                f"{len(self.gaps_em)} Han–Western gaps; {counts}")


# --- walking the boxes -------------------------------------------------------------------------

@dataclass
class _Context:
    page: int
    source_dir: Path | None
    number: int = 0
    file: str | None = None
    text_left: float = float("-inf")  # the page's content box (the text block), CSS px
    text_right: float = float("inf")


def _where(context: _Context, element) -> SourceLocation | None:
    line = element.get(SOURCE_LINE) if element is not None else None
    if context.file is None or line is None:
        return None
    folder = context.source_dir if context.source_dir is not None else Path()
    return SourceLocation(folder / context.file, int(line))


def _line(context: _Context, linebox, block) -> Line:
    pieces: list[tuple[str, Any, tuple[Any, ...]]] = []
    for leaf, ancestors in boxes.line_leaves(linebox):
        text = strip_controls(leaf.text) if boxes.is_text(leaf) else "\ufffc"
        if text:
            pieces.append((text, leaf, ancestors))
    # WeasyPrint sets a <br> as an empty inline box ending its line.
    forced = bool(linebox.children) and getattr(linebox.children[-1], "element_tag", None) == "br"
    text = "".join(t for t, _, _ in pieces)
    left = min((leaf.position_x for _, leaf, _ in pieces), default=linebox.position_x)
    right = max((leaf.position_x + leaf.margin_width() for _, leaf, _ in pieces), default=left)
    element = block.element
    # Body text: the manuscript's paragraphs (in lists, quotes and asides too), not a section's
    # subtitle line or other classed furniture.
    body = (block.element_tag == "p" and element is not None and element.get(SOURCE_LINE) is not None
            and not element.get("class"))
    # Code is set as typed: no ¼ em is added inside it, so none is measured there.
    verbatim = CODE_LINE in ((element.get("class") or "").split() if element is not None else ())
    return Line(
        page=context.page, number=context.number, text=text, left=left, right=right,
        column_left=block.content_box_x(), column_right=block.content_box_x() + block.width,
        block=block.element_tag or "", paragraph=id(element) if body else None,
        where=_where(context, element), gaps_em=() if verbatim else _gaps(pieces), element=id(element),
        forced=forced, text_left=context.text_left, text_right=context.text_right,
        breaks=(element.get(BREAKS_ATTRIBUTE) or "") if element is not None else "",
        spacing_em=getattr(linebox, "huozi_spacing_em", 0.0),
    )


def _gaps(pieces: list[tuple[str, Any, tuple[Any, ...]]]) -> tuple[float, ...]:
    """Han–Western gaps in em: between boxes from their positions, inside one box 0.

    A boundary set apart by a designed margin (a figure number before its caption) is a
    separator, not an adjacency in running text, and is not measured; nor is a footnote's call
    (①, a raised mark beside the text, not a word of it).
    """
    gaps = []
    for text, _, above in pieces:
        if any(getattr(box, "element_tag", None) in ("code", FOOTNOTE_CALL) for box in above):
            continue  # inline code is set as typed
        for a, b in zip(text, text[1:]):
            if han_western(a, b):
                gaps.append(0.0)
    for (text_a, a, above_a), (text_b, b, above_b) in zip(pieces, pieces[1:]):
        if (han_western(text_a[-1], text_b[0]) and not _separated(above_a, above_b)
                and not _in_call(above_a) and not _in_call(above_b)):
            gap = b.position_x - (a.position_x + a.margin_width())
            gaps.append(gap / a.style["font_size"])
    return tuple(gaps)


def _in_call(above: tuple) -> bool:
    return any(getattr(box, "element_tag", None) == FOOTNOTE_CALL for box in above)


def _separated(above_a: tuple, above_b: tuple) -> bool:
    """True when an element that one side is in and the other is not has horizontal spacing."""
    ids_a, ids_b = {id(box) for box in above_a}, {id(box) for box in above_b}
    differing = [box for box in above_a if id(box) not in ids_b] + [box for box in above_b if id(box) not in ids_a]
    return any(not _is_autospace(box) and (box.margin_left or box.margin_right or box.padding_left
                                            or box.padding_right) for box in differing)


def _is_autospace(box) -> bool:
    element = getattr(box, "element", None)
    return element is not None and AUTOSPACE in (element.get("class") or "").split()


def _walk(box, context: _Context, block, out: list[tuple[str, Any]]) -> None:
    """Collect ("line", Line) and ("heading", (page, tag, where, line number)) events in page order."""
    if boxes.is_margin(box):
        return
    tag = getattr(box, "element_tag", None)
    element = getattr(box, "element", None)
    saved_file = context.file
    saved_block = (context.text_left, context.text_right)
    if tag == "article" and element is not None and element.get(SOURCE_FILE):
        context.file = element.get(SOURCE_FILE)
    if element is not None and TURNED_PART in (element.get("class") or "").split():
        # A part of a turned table (print) is drawn a quarter turn: its own box is its text block,
        # and huozi.pdf.tables made it fit the page's text block across.
        context.text_left, context.text_right = box.content_box_x(), box.content_box_x() + box.width
    if boxes.is_block(box) and tag in HEADINGS:
        out.append(("heading", (context.page, tag, _where(context, element), context.number + 1)))
    if boxes.is_block(box) and tag == "figure":
        out.append(("figure", (context.page, id(element), _where(context, element), context.number + 1)))
    if boxes.is_line(box):
        context.number += 1
        out.append(("line", _line(context, box, block)))
    else:
        inner = box if boxes.is_block_container(box) else block
        for child in getattr(box, "children", ()) or ():
            _walk(child, context, inner, out)
    context.file = saved_file
    context.text_left, context.text_right = saved_block


def _events(document, source_dir: Path | None) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    for number, page in enumerate(document.pages, 1):
        box = boxes.page_box(page)
        context = _Context(number, source_dir, text_left=box.content_box_x(),
                           text_right=box.content_box_x() + box.width)
        _walk(box, context, box, events)
    return events


# --- the rules ---------------------------------------------------------------------------------

def _mark_ends(lines: list[Line]) -> list[Line]:
    """Flag each block's first and last line (a block may continue on the next page)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, line in enumerate(lines):
        first.setdefault(line.element, i)
        last[line.element] = i
    firsts, finals = set(first.values()), set(last.values())
    return [Line(**{**vars(line), "first": i in firsts, "final": i in finals}) for i, line in enumerate(lines)]


def _units(text: str) -> int:
    """Characters that count for 孤字: each Han character and each Western run, not marks."""
    count, in_run = 0, False
    for ch in text:
        if is_han(ch):
            count, in_run = count + 1, False
        elif ch.isalnum():
            count, in_run = count + (0 if in_run else 1), True
        else:
            in_run = False
    return count


def _finding(rule: str, line: Line, detail: str) -> LintFinding:
    return LintFinding(rule, line.page, line.number, line.where, line.text, detail)


def _overflow(line: Line) -> float:
    """How far (pt) the line reaches beyond the page's text block, or past its column's end; 0 when inside.

    Only the text block bounds the left: list markers and the hanging indents of code and
    list items sit left of their own column by design.
    """
    right = min(line.column_right, line.text_right)
    return max(0.0, line.text_left - line.left, line.right - right) * PT_PER_PX


def _line_findings(lines: list[Line], rules: TypesetRules) -> Iterator[LintFinding]:
    no_start = rules.no_start()
    for line, after in zip(lines, [*lines[1:], None]):
        if not line.text:
            continue
        if (beyond := _overflow(line)) > OVERFLOW_TOLERANCE_PT:
            yield _finding("overflow", line, f"runs {beyond:.1f} pt beyond the text block")
        if line.text[0] in no_start and not line.first:
            yield _finding("line-start", line, f"starts with {line.text[0]}")
        if line.text[-1] in NO_END and not line.final:
            yield _finding("line-end", line, f"ends with {line.text[-1]}")
        if (after is not None and after.text and after.element == line.element
                and line.text[-1] in "—…" and after.text[0] == line.text[-1]):
            yield _finding("split-pair", line, f"{line.text[-1] * 2} split across lines")
        # 孤字 is one character left alone below the rest of its paragraph: a paragraph of one
        # line (a list item "甲") has none, nor has a line of one Western word (no Han on it).
        if (line.final and not line.first and line.paragraph is not None and _units(line.text) < 2
                and any(is_han(ch) for ch in line.text)):
            yield _finding("lone-char", line, "a paragraph's last line holds one character")
        overflow = (line.right - line.column_right) * PT_PER_PX
        if overflow > FLUSH_TOLERANCE_PT and line.paragraph is not None:
            yield _finding("overflow", line, f"runs {overflow:.1f} pt past the text block")
        low, high = GAP_RANGE_EM
        for gap in line.gaps_em:
            if not low <= gap <= high:
                yield _finding("han-western-gap", line, f"gap {gap:.2f} em, wanted {low}–{high} em")


def _fragment_findings(lines: list[Line], minimum: int = 2) -> Iterator[LintFinding]:
    """Orphans and widows: a paragraph split across pages leaves at least two lines on each."""
    fragments: dict[tuple[int, int], list[Line]] = {}
    pages: dict[int, set[int]] = {}
    for line in lines:
        if line.paragraph is not None:
            fragments.setdefault((line.paragraph, line.page), []).append(line)
            pages.setdefault(line.paragraph, set()).add(line.page)
    for (paragraph, _), fragment in fragments.items():
        if len(pages[paragraph]) > 1 and len(fragment) < minimum:
            yield _finding("widow-orphan", fragment[0], f"{len(fragment)} line(s) of a paragraph alone on a page")


def _figure_findings(events: list[tuple[str, Any]]) -> Iterator[LintFinding]:
    """A figure (image and caption) is never split across pages."""
    pages: dict[int, list[tuple[int, SourceLocation | None, int]]] = {}
    for kind, value in events:
        if kind == "figure":
            page, element, where, number = value
            pages.setdefault(element, []).append((page, where, number))
    for fragments in pages.values():
        if len({page for page, _, _ in fragments}) > 1:
            page, where, number = fragments[0]
            yield LintFinding("split-figure", page, number, where, "figure", "figure and caption on different pages")


def _flush(line: Line, tolerance_pt: float) -> bool:
    return abs(line.column_right - line.right) * PT_PER_PX <= tolerance_pt


def _heading_findings(events: list[tuple[str, Any]]) -> Iterator[LintFinding]:
    """A heading shares its page with what follows up to two lines of body text (or all of it)."""
    for i, (kind, value) in enumerate(events):
        if kind != "heading" or value[2] is None:
            continue  # front matter (title page, contents) has no manuscript line and no text to keep
        page, tag, where, number = value
        body_lines = 0
        for later_kind, later in events[i + 1:]:
            later_page = later.page if later_kind == "line" else later[0]
            if later_page != page:
                yield LintFinding("stranded-heading", page, number, where, tag,
                              "heading not followed on its page by two lines of text")
                break
            if later_kind == "line" and later.block not in HEADINGS and later.text:
                body_lines += 1
                if body_lines == 2 or later.final:
                    break


def lint_document(document, edition: str, source_dir: Path | None = None,
                  rules: TypesetRules = TypesetRules(), tolerance_pt: float = FLUSH_TOLERANCE_PT) -> LintReport:
    """Measure the clreq rules on a rendered WeasyPrint Document (see module docstring)."""
    events = _events(document, source_dir)
    marked = iter(_mark_ends([value for kind, value in events if kind == "line"]))
    events = [(kind, next(marked) if kind == "line" else value) for kind, value in events]
    lines = [value for kind, value in events if kind == "line"]
    findings = list(_line_findings(lines, rules))
    findings += _heading_findings(events)
    findings += _fragment_findings(lines)
    findings += _figure_findings(events)
    nonfinal = [line for line in lines if line.paragraph is not None and not line.final and not line.forced]
    ragged = [line for line in nonfinal if not _flush(line, tolerance_pt)]
    findings += [_finding("flush", line, f"{(line.column_right - line.right) * PT_PER_PX:.2f} pt short")
                 for line in ragged]
    greedy: dict[int, Line] = {}
    for line in lines:
        if line.paragraph is not None and line.breaks.startswith("fallback"):
            greedy.setdefault(line.paragraph, line)
    findings += [_finding("greedy", line, line.breaks.removeprefix("fallback: ") + ": lines broken one at a time")
                 for line in greedy.values()]
    findings.sort(key=lambda f: (f.page, f.line))
    return LintReport(edition, tuple(lines), tuple(findings), len(nonfinal), len(nonfinal) - len(ragged),
                      tuple(g for line in lines for g in line.gaps_em))


def lint(config: Config, manuscript: Manuscript, editions: Iterable[str] | None = None) -> dict[str, LintReport]:
    """Lay out the book's paged editions (all of them by default) as `huozi build` does, and lint each one."""
    from ..editions import EDITIONS, paged_editions
    from ..figures import render_figures
    from ..pdf.layout import lay_out

    rules = rules_for(config)
    figures = render_figures(config.root, config.figures_dir, manuscript)
    reports = {}
    for name in paged_editions() if editions is None else editions:
        laid = lay_out(config, manuscript, EDITIONS[name], figures)
        reports[name] = lint_document(laid.document, name, config.manuscript_dir.relative_to(config.root), rules)
    return reports


def check_typography(config: Config, path: Path) -> list[Finding]:
    """The lint as a `huozi check` check of one PDF output: its measures and each greedily broken
    paragraph as notes, violations (overflow too) errors, ragged lines warnings.

    The build lints the layout it writes and keeps the result in its state beside the output;
    a file the state does not describe (built elsewhere, or changed since) is laid out again.
    """
    from ..cache import file_sha256
    from ..editions import EDITIONS
    from ..manuscript import parse_manuscript
    from ..state import load_state

    names = [e.name for e in EDITIONS.values() if e.paged is not None and path.name == f"{config.book.slug}{e.suffix}"]
    if not names:
        return []
    state = load_state(path.parent).get(names[0])
    if state is not None and state.lint is not None and state.file == path.name and state.sha256 == file_sha256(path):
        record = state.lint
    else:
        record = lint(config, parse_manuscript(config.manuscript_dir), names)[names[0]].record()
    return findings_of(config, path, record)


def findings_of(config: Config, path: Path, record: dict[str, Any]) -> list[Finding]:
    """The check's Findings from a lint record (`LintReport.record`)."""
    findings = [Finding("typography", "note", record["summary"], SourceLocation(path))]
    for found in record["findings"]:
        level = {"flush": "warning", "greedy": "note"}.get(found["rule"], "error")
        message = (f"{record['edition']} page {found['page']} line {found['line']}: {found['rule']}: "
                   f"{found['detail']} «{found['text']}»")
        # The lint names manuscript files relative to the project; a Finding's path stands alone.
        where = (SourceLocation(config.root / found["file"], found["source_line"], found["column"])
                 if found["file"] is not None else SourceLocation(path))
        findings.append(Finding("typography", level, message, where))
    return findings
