"""The command line: parse arguments, call the library, print, exit. Nothing else prints."""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .errors import HuoziError

# 1: the input or the environment is wrong (a HuoziError); 2: the command line is wrong;
# 3: a bug in huozi; 130/143: interrupted by SIGINT/SIGTERM (128 + signal number, as shells do).
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

EXAMPLES_BUILD = """examples:
  huozi build                      build every edition of the book in . into ./dist
  huozi build book --out /tmp/out  build the book in ./book into /tmp/out
  huozi build --edition epub       build only the EPUB

exit status:
  0 built; 1 the book or the environment has a problem (the message says file:line and a hint);
  2 wrong command line; 3 a bug in huozi (run again with --debug); 130/143 interrupted.
  A build that fails leaves the previous outputs exactly as they were.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, with our prefix
        self.print_usage(sys.stderr)
        print(f"huozi: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="huozi", description="活字 huozi: typeset a Chinese book into PDF and EPUB.")
    parser.add_argument("--version", action="version", version=f"huozi {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    build = commands.add_parser("build", help="build the editions of a book",
                                epilog=EXAMPLES_BUILD, formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("project", nargs="?", default=".", type=Path, help="book project folder (default: .)")
    build.add_argument("--out", type=Path, help="output folder (default: PROJECT/dist)")
    build.add_argument("--edition", action="append", choices=["handout", "print", "epub"],
                       help="build only this edition (repeatable; default: all)")
    # SUPPRESS: without it the subcommand's default (False) would overwrite `huozi --debug build`.
    build.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show a traceback on errors")
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from .pipeline import build

    start = time.perf_counter()
    result = build(args.project, args.out, args.edition)
    for output in result.outputs:
        pages = f" ({output.pages} pages)" if output.pages else ""
        print(f"wrote {output.path}{pages}")
    print(f"built {len(result.outputs)} edition(s) in {time.perf_counter() - start:.1f} s")
    return EXIT_OK


class Terminated(KeyboardInterrupt):
    """SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so temporary files are removed."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"huozi: {message}", file=sys.stderr)


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
            return _run_build(args)
    except HuoziError as exc:
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
        _report(f"error: {where}{exc.strerror or exc}", args.debug)
        return EXIT_INPUT
    except Exception as exc:  # a bug in huozi: say so, and how to see where
        _report(f"internal error: {type(exc).__name__}: {exc}\n"
                "  hint: this is a bug in huozi; run again with --debug and report the traceback",
                args.debug)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
