"""The command line: parse arguments, call the library, print, exit. Nothing else prints."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from . import ci
from .editions import EDITIONS
from .errors import HuoziError
from .events import StageEvent
from .version import __version__

# 1: the input or the environment is wrong (a HuoziError); 2: the command line is wrong;
# 3: a bug in huozi; 130/143: interrupted by SIGINT/SIGTERM (128 + signal number, as shells do).
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

EXIT_STATUS = """
exit status:
  0 done; 1 the book or the environment has a problem (the message says file:line and a hint);
  2 wrong command line; 3 a bug in huozi (run again with --debug); 130/143 interrupted.
  A build that fails leaves the previous outputs exactly as they were.
"""

EXAMPLES = {
    "build": """examples:
  huozi build                      build every edition of the book in . into ./dist
  huozi build book --out /tmp/out  build the book in ./book into /tmp/out
  huozi build --edition epub       build only the EPUB (repeat --edition for more)
  huozi build --force --timings    rebuild everything and show the time of each stage
""",
    "check": """examples:
  huozi check                      build what changed, then run EPUBCheck, DAISY Ace, pdfua, PDF, typography, site and axe checks
  huozi check --strict             also fail on warnings (for CI)
  huozi check --strict --format github --junit dist/huozi-junit.xml
                                   in CI: GitHub annotations at file:line, and a JUnit report
                                   (written also when the check or the build fails)

A validator that is not installed is reported as a note with the command that installs it
(Ace: PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix .tools/ace @daisy/ace-cli; pdfua: pip install pdfua).
""",
    "watch": """examples:
  huozi watch                      rebuild the editions a saved change affects, until Ctrl-C
  huozi watch --edition handout    keep only the handout up to date
""",
    "preview": """examples:
  huozi preview                    serve the html edition at http://127.0.0.1:8000/, rebuild on save,
                                   reload the page; the other editions are linked from the page
  huozi preview --edition html     keep only the html edition up to date (faster)
  huozi preview --port 4000        another port (a taken one: the next free one, printed)
  huozi preview --open             and open the page in the web browser

A failed build shows its file:line and hint at the top of the page, above the last good version.
""",
    "new": """examples:
  huozi new mybook                 a new book project with a sample article, ready to build
""",
    "clean": """examples:
  huozi clean                      remove ./dist's outputs, the build state and the figure cache
""",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, with our prefix
        self.print_usage(sys.stderr)
        print(f"huozi: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _command(commands, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help_text, description=help_text,
                                 epilog=EXAMPLES[name] + EXIT_STATUS,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    # SUPPRESS: without it the subcommand's default (False) would overwrite `huozi --debug build`.
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on errors")
    return parser


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", default=Path("."), type=Path, help="book project folder (default: .)")
    parser.add_argument("--out", type=Path, help="output folder (default: PROJECT/dist)")
    parser.add_argument("--edition", action="append", choices=list(EDITIONS),
                        help="only this edition (repeatable; default: all)")
    parser.add_argument("--force", action="store_true", help="rebuild even what has not changed")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loud.add_argument("-v", "--verbose", action="store_true", help="print every stage as it ends")
    parser.add_argument("--timings", action="store_true", help="print the time of each stage and edition")


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["text", "github"], default="text",
                        help="how errors, warnings and findings are printed: text (default), or github: "
                             "GitHub Actions workflow commands (::error file=…,line=…::…) on stdout")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="huozi",
                     description="活字 huozi: typeset a Chinese book into print PDF, A4 handout, EPUB and a web site.")
    parser.add_argument("--version", action="version", version=f"huozi {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    build = _command(commands, "build", "build the editions of a book")
    _build_options(build)
    _format_option(build)
    check = _command(commands, "check", "build, then check every output "
                                        "(EPUBCheck, Ace, pdfua, PDF structure and colour, typography)")
    _build_options(check)
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    _format_option(check)
    check.add_argument("--junit", type=Path, metavar="FILE",
                       help="also write the results as JUnit XML (a testsuite per check, a testcase per output)")
    watch = _command(commands, "watch", "rebuild affected editions whenever a source file is saved")
    _build_options(watch)
    preview = _command(commands, "preview", "serve the html edition locally, rebuild on save and reload the page")
    _build_options(preview)
    preview.add_argument("--port", type=int, default=None,
                         help="port on 127.0.0.1 (default: 8000; when taken, the next free one)")
    preview.add_argument("--open", action="store_true", help="open the page in the default web browser")
    new = _command(commands, "new", "create a new book project")
    new.add_argument("directory", type=Path, help="folder to create (must not exist or be empty)")
    clean = _command(commands, "clean", "remove built outputs and caches")
    clean.add_argument("project", nargs="?", default=Path("."), type=Path)
    clean.add_argument("--out", type=Path, help="output folder (default: PROJECT/dist)")
    return parser


class Console:
    """Messages for people: rich progress on a terminal, plain log lines in CI or a pipe."""

    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.fancy = sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")
        self._status = None

    def info(self, text: str) -> None:
        if not self.quiet:
            print(text)

    def event(self, event: StageEvent) -> None:
        if self.quiet:
            return
        if event.status == "wait":
            self._say("waiting for another build into the same folder to finish…")
        elif event.stage == "build" and event.status == "start":
            self._say(f"building {event.edition}…")
        elif event.stage == "build" and event.status == "skip":
            self._say(f"{event.edition}: up to date")
        elif event.stage == "build" and event.status == "done":
            self._say(f"{event.edition}: built in {event.seconds:.2f} s")
        elif event.status == "progress":                    # a long stage goes on
            self._say(f"{event.edition}: {event.stage}… {event.seconds:.0f} s")
        elif event.status == "start":
            if self.verbose:
                self._say(f"{event.edition}: {event.stage}…")
        elif self.verbose:
            self._say(f"{event.edition}: {event.stage} {event.seconds:.2f} s")

    def _say(self, text: str) -> None:
        if self.fancy:
            from rich.console import Console as RichConsole

            RichConsole(stderr=True).print(f"[bold cyan]huozi[/] {text}", highlight=False)
        else:
            print(f"huozi: {text}", file=sys.stderr, flush=True)


def _do_build(args: argparse.Namespace, console: Console, workers=None, say_warnings: bool = True):
    from .pipeline import build

    start = time.perf_counter()
    result = build(args.project, args.out, args.edition, progress=console.event, force=args.force, jobs=args.jobs,
                   workers=workers)
    for output in result.outputs:
        pages = f" ({output.pages} pages)" if output.pages else ""
        verb = "wrote" if output.rebuilt else "kept"
        console.info(f"{verb} {output.path}{pages}")
    if args.timings:
        for timing in result.timings:
            console.info(f"  {timing.edition:8} {timing.stage:10} {timing.seconds:7.3f} s")
    for warning in result.warnings if say_warnings else ():
        if _github(args):
            print(ci.warning_command(warning, ci.repository_root(args.project)), flush=True)
        else:
            print(f"huozi: warning: {warning}", file=sys.stderr)
    summary = f"{len(result.rebuilt)} of {len(result.outputs)} edition(s) rebuilt in {time.perf_counter() - start:.2f} s"
    if result.warnings:
        summary += f", {len(result.warnings)} warning(s)"
    console.info(summary)
    return result


def _run_build(args: argparse.Namespace) -> int:
    _do_build(args, Console(args.quiet, args.verbose))
    return EXIT_OK


def _github(args: argparse.Namespace) -> bool:
    return getattr(args, "format", "text") == "github"


def _run_check(args: argparse.Namespace) -> int:
    from .checks.base import run_checks
    from .config import load_config

    console = Console(args.quiet, args.verbose)
    root = ci.repository_root(args.project)
    junit = ci.JUnitReport(root, args.strict) if args.junit else None
    result = None
    try:
        # In GitHub's format the build's warnings wait for the checks: one annotation per place and message.
        result = _do_build(args, console, say_warnings=not _github(args))
        runs = run_checks(load_config(args.project), {o.edition: o.path for o in result.outputs})
    except Exception as exc:  # the report says the build failed; the error boundary prints why
        _say_findings(args, root, result.warnings if result is not None else (), [])
        if junit is not None:
            junit.build_failed(exc)
            try:
                _write_junit(junit, args, console)
            except HuoziError as cannot:  # the build's own error is the one to exit with
                print(f"huozi: warning: {cannot.display(Path.cwd())}", file=sys.stderr)
        raise
    findings = [finding for run in runs for finding in run.findings]
    _say_findings(args, root, result.warnings, findings)
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    notes = len(findings) - errors - warnings
    console.info(f"check: {errors} error(s), {warnings} warning(s)" + (f", {notes} note(s)" if notes else ""))
    if junit is not None:
        junit.built([(o.edition, o.path) for o in result.outputs], result.warnings)
        junit.checked(runs)
        _write_junit(junit, args, console)
    return EXIT_INPUT if errors or (args.strict and warnings) else EXIT_OK


def _say_findings(args: argparse.Namespace, root: Path, warnings, findings) -> None:
    """The check's findings; in GitHub's format after the build's warnings that no finding repeats
    (the text format printed those as the build went)."""
    if not _github(args):
        for finding in findings:
            print(f"huozi: {finding.display(Path.cwd())}", file=sys.stderr)
        return
    found = {(f.where, f.message) for f in findings}
    for warning in warnings:
        if (warning.where, warning.message) not in found:
            print(ci.warning_command(warning, root))
    for finding in findings:
        print(ci.finding_command(finding, root))


def _write_junit(junit: ci.JUnitReport, args: argparse.Namespace, console: Console) -> None:
    junit.write(args.junit)
    console.info(f"check: JUnit report written to {args.junit}")


def _run_watch(args: argparse.Namespace) -> int:
    from .pipeline import Workers
    from .watch import watch_and_build

    console = Console(args.quiet, args.verbose)
    console.info("watching for changes (Ctrl-C to stop)")
    # One set of workers for the whole watch: WeasyPrint stays imported, the fonts loaded.
    with Workers(args.jobs) as workers:
        watch_and_build(args.project, lambda: _report_errors(lambda: _do_build(args, console, workers), args),
                        out=args.out)
    return EXIT_OK


def _run_preview(args: argparse.Namespace) -> int:
    from .config import load_config
    from .pipeline import Workers, output_path
    from .preview import PORT, open_server
    from .watch import check_out_dir, watch_and_build

    console = Console(args.quiet, args.verbose)
    config = load_config(args.project)
    out = Path(args.out).resolve() if args.out is not None else config.root / "dist"
    check_out_dir(config, out)
    if args.edition and "html" not in args.edition:
        args.edition = [*args.edition, "html"]            # the edition the preview serves
    site = output_path(config, EDITIONS["html"], out).name
    wanted = PORT if args.port is None else args.port
    # The workers first: forked later, they would hold the server's socket open too.
    with Workers(args.jobs) as workers:
        workers.start()
        with open_server(out, site, wanted) as server:
            taken = f" (port {wanted} was taken)" if server.port != wanted else ""
            print(f"serving the html edition at {server.url}{taken}", flush=True)   # even with --quiet
            console.info("watching for changes (Ctrl-C to stop)")
            if args.open:
                import webbrowser

                webbrowser.open(server.url)

            def rebuild() -> None:
                server.state.building()
                try:
                    result = _do_build(args, console, workers)
                except HuoziError as exc:
                    _report(f"error: {exc.display(Path.cwd())}", args.debug)
                    server.state.built(exc.display(config.root))
                else:
                    server.state.built(None, changed=bool(result.rebuilt))

            watch_and_build(args.project, rebuild, out=out)
    return EXIT_OK


def _report_errors(action: Callable[[], object], args: argparse.Namespace) -> None:
    """In watch mode an error is reported and the watch goes on."""
    try:
        action()
    except HuoziError as exc:
        _report(f"error: {exc.display(Path.cwd())}", args.debug)


def _run_new(args: argparse.Namespace) -> int:
    from .skeleton import create_project

    create_project(args.directory)
    print(f"created {args.directory}; build it with: huozi build {args.directory}")
    return EXIT_OK


def _run_clean(args: argparse.Namespace) -> int:
    from .clean import clean

    for path in clean(args.project, args.out):
        print(f"removed {path}")
    return EXIT_OK


COMMANDS = {"build": _run_build, "check": _run_check, "watch": _run_watch, "preview": _run_preview, "new": _run_new,
            "clean": _run_clean}


class Terminated(KeyboardInterrupt):
    """SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so temporary files are removed."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:
            # A worker forked a moment ago, not yet running its own code (the build stops its
            # workers at once when it fails early): unwinding here would run the build's code on
            # in the child, so it ends now.
            os._exit(128 + signum)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous = {number: signal.signal(number, handler) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, before in previous.items():
            signal.signal(number, before)


def _report(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"huozi: {message}", file=sys.stderr)


def _report_command(command: str, debug: bool) -> None:
    """A workflow command goes to stdout, where the GitHub Actions runner reads it."""
    if debug:
        traceback.print_exc()
    print(command, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    # The error boundary: expected failures print one message (file:line: what, then a hint);
    # a traceback only with --debug.
    try:
        with _sigterm_unwinds():
            return COMMANDS[args.command](args)
    except HuoziError as exc:
        if _github(args):
            _report_command(ci.error_command(exc, ci.repository_root(args.project)), args.debug)
        else:
            _report(f"error: {exc.display(Path.cwd())}", args.debug)
        return exc.exit_code
    except Terminated:
        _report("terminated; earlier outputs were left as they were", args.debug)
        return EXIT_SIGTERM
    except KeyboardInterrupt:
        _report("interrupted; earlier outputs were left as they were", args.debug)
        return EXIT_SIGINT
    except OSError as exc:  # the environment (a disk, a permission), not the book
        where = f"{exc.filename}: " if exc.filename else ""
        if _github(args):
            _report_command(ci.plain_error_command(f"{where}{exc.strerror or exc}"), args.debug)
        else:
            _report(f"error: {where}{exc.strerror or exc}", args.debug)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - a bug in huozi: say so, and how to see where
        hint = "this is a bug in huozi; run again with --debug and report the traceback"
        if _github(args):
            _report_command(ci.plain_error_command(f"{type(exc).__name__}: {exc}\nhint: {hint}",
                                                   "huozi [internal error]"), args.debug)
        else:
            _report(f"internal error: {type(exc).__name__}: {exc}\n  hint: {hint}", args.debug)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
