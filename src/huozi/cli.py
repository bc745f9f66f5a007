"""The command line: parse arguments, call the library, print, exit. Nothing else prints."""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from . import __version__
from .errors import HuoziError

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2

EXAMPLES_BUILD = """examples:
  huozi build                      build every edition of the book in . into ./dist
  huozi build book --out /tmp/out  build the book in ./book into /tmp/out
  huozi build --edition epub       build only the EPUB
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
    build.add_argument("--debug", action="store_true", help="show a traceback on errors")
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


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _run_build(args)
    except HuoziError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"huozi: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("huozi: interrupted; earlier outputs were left as they were", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
