"""What CI systems read: GitHub Actions workflow commands and JUnit XML, made from Findings and errors."""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import HuoziError, SourceLocation

if TYPE_CHECKING:
    from xml.etree import ElementTree as ET

    from .checks.findings import CheckRun, Finding
    from .events import BuildWarning

# A Finding's level -> GitHub's workflow command (GitHub calls a note a notice).
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF percent-encoded, as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which separate the properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_root(project: Path) -> Path:
    """The folder GitHub's annotation paths are relative to: the git repository holding the
    project (a checkout into a subfolder too), else GITHUB_WORKSPACE, else the working directory."""
    project = project.resolve()
    for folder in (project, *project.parents):
        if (folder / ".git").exists():  # a folder, or a file in a worktree or submodule
            return folder
    return Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()


def relative_name(path: Path, root: Path) -> str:
    """`path` as a `/`-separated name relative to `root`, or absolute when it lies outside."""
    path = path if path.is_absolute() else Path.cwd() / path
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _place(where: SourceLocation, root: Path) -> tuple[dict[str, str], str]:
    """The file/line/col properties of a location, and what of it no property can hold: a place
    inside an archive (`book.epub!/EPUB/nav.xhtml:12`) annotates the archive and is said in words."""
    outer, archive, inner = str(where.path).partition("!/")
    properties = {"file": relative_name(Path(outer), root)}
    line = f":{where.line}" if where.line is not None else ""
    if archive:
        return properties, f"{inner}{line}: "
    if where.line is not None:
        properties["line"] = str(where.line)
        if where.column is not None:
            properties["col"] = str(where.column)
    return properties, ""


def workflow_command(level: str, message: str, where: SourceLocation | None, title: str, root: Path) -> str:
    """One `::error file=…,line=…,col=…,title=…::message` line (a file-less one without file=)."""
    properties, prefix = _place(where, root) if where is not None else ({}, "")
    properties["title"] = title
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[level]} {listed}::{escape_data(prefix + message)}"


def finding_command(finding: Finding, root: Path) -> str:
    return workflow_command(finding.level, finding.message, finding.where, f"huozi [{finding.check}]", root)


def warning_command(warning: BuildWarning, root: Path) -> str:
    return workflow_command("warning", warning.message, warning.where, "huozi [build]", root)


def error_command(exc: HuoziError, root: Path) -> str:
    """A failed build: the error at its file and line, the hint on the annotation's next line."""
    message = f"{exc.message}\nhint: {exc.hint}" if exc.hint else exc.message
    return workflow_command("error", message, exc.where, "huozi [build]", root)


def plain_error_command(message: str, title: str = "huozi") -> str:
    """An error that belongs to no file of the book (the environment, a bug in huozi)."""
    return workflow_command("error", message, None, title, Path.cwd())


# --- JUnit XML: a testsuite per check, a testcase per output file (or the manuscript) and check.
# The subset of the format that Jenkins, GitLab and Azure Pipelines all read (Ant's JUnit report);
# no timestamps or durations, so the same book gives the same bytes.

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _place_text(where: SourceLocation | None, root: Path) -> str:
    """`file:line: ` with the file relative to `root` (inside an archive: `book.epub!/EPUB/x.xhtml`)."""
    if where is None:
        return ""
    outer, archive, inner = str(where.path).partition("!/")
    return f"{SourceLocation(Path(relative_name(Path(outer), root) + archive + inner), where.line, where.column)}: "


def _located(finding: Finding, root: Path) -> str:
    return f"{_place_text(finding.where, root)}{finding.level}: [{finding.check}] {finding.message}"


class JUnitReport:
    """The JUnit XML of one `huozi check`: the build, then each check's suite."""

    def __init__(self, root: Path, strict: bool) -> None:
        from xml.etree import ElementTree as ET

        self._ET = ET
        self.root, self.strict = root, strict
        self.suites: dict[str, ET.Element] = {}

    def _suite(self, name: str) -> ET.Element:
        if name not in self.suites:
            self.suites[name] = self._ET.Element("testsuite", name=name)
        return self.suites[name]

    def _case(self, suite: str, name: str) -> ET.Element:
        return self._ET.SubElement(self._suite(suite), "testcase", classname=f"huozi.{suite}", name=name)

    def built(self, outputs: Sequence[tuple[str, Path]], warnings: Sequence[BuildWarning]) -> None:
        """One passing build testcase per output (edition, file) with its edition's warnings as its
        output; the book's own warnings (an image without alternative text) as the suite's."""
        for edition, path in outputs:
            case = self._case("build", path.name)
            said = [self._warning(w) for w in warnings if w.edition == edition]
            if said:
                self._ET.SubElement(case, "system-out").text = _xml_text("\n".join(said))
        book = [self._warning(w) for w in warnings if w.edition not in dict(outputs)]
        if book:  # after the cases, where Ant's format has a suite's output
            self._ET.SubElement(self._suite("build"), "system-out").text = _xml_text("\n".join(book))

    def _warning(self, warning: BuildWarning) -> str:
        return f"{_place_text(warning.where, self.root)}warning: [build] {warning.message}"

    def build_failed(self, exc: BaseException) -> None:
        """A build that stopped: a failure for the book's input, an error for a bug in huozi."""
        case = self._case("build", "build")
        if isinstance(exc, HuoziError):
            message = f"{_place_text(exc.where, self.root)}{exc.message}"
            body = f"{message}\nhint: {exc.hint}" if exc.hint else message
            tag, kind = "failure", type(exc).__name__
        elif isinstance(exc, OSError):  # the environment: a disk, a permission
            message = body = f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc)
            tag, kind = "failure", type(exc).__name__
        else:
            message = body = f"{type(exc).__name__}: {exc}"
            tag, kind = "error", "internal"
        self._ET.SubElement(case, tag, message=_xml_text(message), type=kind).text = _xml_text(body)

    def checked(self, runs: Sequence[CheckRun]) -> None:
        """A testcase per CheckRun: failed by errors (and warnings with --strict), skipped when
        its tool is not installed; the other findings as its output."""
        ET = self._ET
        for run in runs:
            case = self._case(run.check, relative_name(run.subject, self.root) if run.subject.is_dir()
                              else run.subject.name)
            failing = [f for f in run.findings if f.level == "error" or (self.strict and f.level == "warning")]
            if failing:
                lines = [_located(f, self.root) for f in failing]
                message = lines[0] + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else "")
                kind = "error" if any(f.level == "error" for f in failing) else "warning"
                ET.SubElement(case, "failure", message=_xml_text(message), type=kind).text = _xml_text(
                    "\n".join(lines))
            elif run.not_run is not None:
                ET.SubElement(case, "skipped", message=_xml_text(run.not_run.message))
            said = [_located(f, self.root) for f in run.findings if f not in failing and not f.not_run]
            if said:
                ET.SubElement(case, "system-out").text = _xml_text("\n".join(said))

    def to_bytes(self) -> bytes:
        ET = self._ET
        top = ET.Element("testsuites", name="huozi check")
        totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
        for suite in self.suites.values():
            cases = suite.findall("testcase")
            counts = {"tests": len(cases),
                      "failures": sum(case.find("failure") is not None for case in cases),
                      "errors": sum(case.find("error") is not None for case in cases),
                      "skipped": sum(case.find("skipped") is not None for case in cases)}
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
            top.append(suite)
        for key, value in totals.items():
            top.set(key, str(value))
        ET.indent(top)
        data: bytes = ET.tostring(top, encoding="UTF-8", xml_declaration=True)
        return data + b"\n"

    def write(self, target: Path) -> None:
        """Atomically: a CI system reading the file never sees half of it."""
        from .output import write_bytes_atomic

        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, self.to_bytes())
