"""The no-op fast path: `huozi build` says "up to date" from a stamp, before the pipeline is imported.

Like git's index. After every successful build the pipeline writes `.huozi-stamp.json` into the
output folder (`stamp`, written by pipeline._write_stamp), holding:
- the request: project and output folder, editions, the environment variables the build reads,
  huozi's version and folder, the interpreter, and the sys.path entries tools are found in (`request`);
- a stat record, (size, mtime, ctime, inode) or None, of every path the build's decision came
  from: book.toml; every file and folder of manuscript/, styles/, figures/ and the theme; the
  images named elsewhere (and where their names resolve to); huozi's modules; the sys.path
  folders whose dist-info names give the tool versions; where fontconfig looks; the font lookup
  cache; the fonts; the build state; and every output file and folder;
- when the build began taking them (`since`), the lines a no-op prints, and the report it writes.

Why an answer from it is sound. A no-op build's answer and its report are functions of those
files' contents, those folders' listings and the request. Every record was taken before the
build read its path (a folder before it was listed), so a later change shows in a record:
writing a file sets its mtime and ctime, adding or removing a name sets its folder's, and
nothing but the clock sets a ctime (utime sets it to now). Only a change within the timestamps'
granularity of the recording could keep them, so a stamp holding an mtime or ctime less than
RACY_NS before `since` (or after it) is not trusted: git's rule for "racily clean" entries. A
build that changed something therefore leaves a stamp the next build does not trust; that
(normal, no-op) build writes one that holds. Answering checks every record against the path's
stat now, the report's bytes against the stamp's and the request against the command line;
anything else (no stamp, a damaged one, a mismatch, an exception) goes to the normal command line.

Reading needs no lock: the build removes the stamp under its lock before it changes any output
and writes it after its last write. A fast path that read the stamp before that removal then
finds each output either as recorded (so it was current when checked) or changed (a mismatch);
a lock file or a build's temporary file in the folder sends it to the normal path, which waits.

Standard library only (os, json, sys): this module is imported by every command line.
"""
from __future__ import annotations

import json
import os
import sys
import time

from .version import __version__

TYPE_CHECKING = False  # typing and collections.abc cost milliseconds this module does not spend
if TYPE_CHECKING:
    from collections.abc import Container, Mapping
    from typing import Any

STAMP_NAME = ".huozi-stamp.json"
FORMAT = 1
RACY_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT's mtime: 2 s)
# output.LOCK_NAME and output.TMP_PREFIX (tests/test_quick.py keeps them equal; output.py imports too much):
# a build holds the folder, or one was killed and the normal path removes what it left.
BUSY = (".huozi.lock", ".huozi-tmp.")
# What a build reads from the environment: its date (pipeline.build_epoch) and where fontconfig
# looks (fonts.fontconfig_stamp); `CI` only changes how messages look, decided again here.
ENVIRONMENT = ("SOURCE_DATE_EPOCH", "HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
               "FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")

Record = list[int] | None


def record(path: str) -> Record:
    """What a change to `path` changes: its size, mtime, ctime and inode (None: not there)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def walk(folder: str, records: dict[str, Record] | None = None, hidden: bool = False,
         skip: Container[str] = ()) -> list[str]:
    """The files under `folder`: hidden names left out unless `hidden`, folders named in `skip`
    and symbolically linked folders not entered. With `records`, each folder is recorded before
    it is listed (a name added after the listing changes the record) and each file after."""
    files: list[str] = []
    pending = [folder]
    while pending:
        top = pending.pop()
        if records is not None:
            records[top] = record(top)
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    if (entry.name.startswith(".") and not hidden) or entry.name in skip:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file():
                        files.append(entry.path)
        except OSError:
            continue  # unreadable or gone, as os.walk ignores it
    if records is not None:
        records.update((path, record(path)) for path in files)
    return files


def tool_folders(records: dict[str, Record] | None = None) -> list[str]:
    """The sys.path entries that installed tools' versions are read from (cache.tool_versions):
    folders holding a .dist-info, .egg-info or .egg, and files (zip archives). The other entries
    add nothing, so `python -m huozi` (the working folder first) and `huozi` (its bin folder
    first) share a stamp. With `records`, each is recorded before it is listed."""
    found = []
    for entry in sys.path:
        before = record(entry or ".") if records is not None else None
        try:
            names = os.listdir(entry or ".")
        except NotADirectoryError:
            names = None
        except OSError:
            continue
        if names is None or any(name.endswith((".dist-info", ".egg-info", ".egg")) for name in names):
            found.append(entry)
            if records is not None:
                records[entry or "."] = before
    return found


def request(root: str, out: str, editions: list[str] | None, source_date_epoch: str | None,
            tools: list[str]) -> dict[str, Any]:
    """What was asked for, and of which huozi, Python and tools: a stamp answers only the same request."""
    return {
        "root": root, "out": out, "out_real": os.path.realpath(out),
        "editions": sorted(set(editions)) if editions else None,
        "environ": [source_date_epoch] + [os.environ.get(name) for name in ENVIRONMENT[1:]],
        "huozi": [__version__, os.path.dirname(os.path.abspath(__file__))],
        "python": [sys.executable, sys.version], "tools": tools,
    }


def stamp(asked: dict[str, Any], since: int, records: Mapping[str, Record], links: Mapping[str, str],
          outputs: list[tuple[str, str, int | None]], report: tuple[str, str]) -> bytes:
    """The stamp's bytes: `links` maps paths to where they resolved, `outputs` is (edition,
    path, pages) in build order, `report` is (path, the bytes a no-op writes there)."""
    return json.dumps({"format": FORMAT, "request": asked, "since": since, "records": records, "links": links,
                       "outputs": outputs, "report": report}).encode()


def _options(argv: list[str]) -> dict[str, Any] | None:
    """`huozi build`'s options as argparse reads them (cli.make_parser), when this reader knows
    every argument for sure; None otherwise (--force, --help, an abbreviation, an error)."""
    found: dict[str, Any] = {"project": None, "out": None, "edition": [], "quiet": False, "verbose": False}
    args = iter(argv)
    command = None
    for arg in args:
        name, equals, value = arg.partition("=")
        if arg == "--debug" or (command and arg == "--timings"):   # nothing to show on a no-op
            continue
        if command is None:
            if arg != "build":
                return None
            command = arg
        elif arg in ("-q", "--quiet", "-v", "--verbose"):
            found["quiet" if arg in ("-q", "--quiet") else "verbose"] = True
        elif name in ("--out", "--edition", "--jobs", "--format"):
            if not equals:
                following = next(args, None)
                if following is None or following.startswith("-"):
                    return None
                value = following
            if name == "--out":
                found["out"] = value
            elif name == "--edition":
                found["edition"].append(value)
            elif not (value in ("text", "github") if name == "--format" else value.isascii() and value.isdigit()):
                return None
        elif arg.startswith("-") or found["project"] is not None:
            return None
        else:
            found["project"] = arg
    return found if command and not (found["quiet"] and found["verbose"]) else None


def _current(options: dict[str, Any]) -> dict[str, Any] | None:
    """The stamp, when everything it records is as it was; else None."""
    root = os.path.realpath(options["project"] or ".")
    out = os.path.realpath(options["out"]) if options["out"] is not None else os.path.join(root, "dist")
    with open(os.path.join(out, STAMP_NAME), "rb") as file:
        data: dict[str, Any] = json.load(file)
    asked = request(root, out, options["edition"], os.environ.get("SOURCE_DATE_EPOCH"), tool_folders())
    if data["format"] != FORMAT or data["request"] != asked:
        return None
    if any(name.startswith(BUSY) for name in os.listdir(out)) or not os.access(out, os.W_OK | os.X_OK):
        return None
    racy = data["since"] - RACY_NS
    for path, old in data["records"].items():
        if (old is not None and (old[1] >= racy or old[2] >= racy)) or record(path) != old:
            return None
    if any(os.path.realpath(path) != real for path, real in data["links"].items()):
        return None
    path, text = data["report"]
    with open(path, "rb") as file:
        if file.read() != text.encode():
            return None
    return data


def _say(data: dict[str, Any], options: dict[str, Any], started: float) -> None:
    """Print what cli.Console prints for a build that skipped every edition."""
    outputs = data["outputs"]
    if options["quiet"]:
        return
    say = [f"{edition}: up to date" for edition, _, _ in outputs]
    if sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1"):
        from rich.console import Console  # as cli.Console on a terminal: only there, it costs 70 ms

        for text in say:
            Console(stderr=True).print(f"[bold cyan]huozi[/] {text}", highlight=False)
    else:
        for text in say:
            print(f"huozi: {text}", file=sys.stderr, flush=True)
    for _, path, pages in outputs:
        print(f"kept {path}" + (f" ({pages} pages)" if pages else ""))
    print(f"0 of {len(outputs)} edition(s) rebuilt in {time.perf_counter() - started:.2f} s")


def answer(argv: list[str], started: float) -> int | None:
    """Answer a no-op `huozi build` (printing what the build would, returning its exit status),
    or return None for the normal command line to run."""
    options = _options(argv)
    if options is None:
        return None
    try:
        data = _current(options)
    except Exception:  # noqa: BLE001 - no stamp, a damaged one, a path gone: the normal path knows
        return None
    if data is None:
        return None
    try:
        _say(data, options, started)
    except OSError as exc:  # as cli.main reports an OSError (a closed pipe): nothing is printed twice
        print(f"huozi: error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0

