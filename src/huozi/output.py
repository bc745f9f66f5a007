"""Writing outputs: whole files appear atomically, a build's files appear together, or not at all.

Every output is written to a temporary file beside its target and moved into place with
`os.replace` (atomic on POSIX). An output that is a folder (the html edition's site) is written
whole into a temporary folder and moved into place by two renames: the old folder aside, the new
one in. Inside `output_transaction` the moves wait until every edition has been written, so a
failed or interrupted build leaves the previous outputs exactly as they were; `build_lock` makes
two builds into one folder take turns.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from .errors import OutputError, SourceLocation

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: atomic replacement still holds, without the lock
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".huozi.lock"
TMP_PREFIX = ".huozi-tmp."  # one prefix, so leftovers of a killed build are known to be ours

# The (temporary file, target) pairs of the open transaction; None outside one.
_staged: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar(
    "huozi_staged_outputs", default=None)


def ensure_writable(folder: Path) -> None:
    """Create the output folder, or say clearly why it cannot be used."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", SourceLocation(folder),
                          "choose another folder with --out, or fix its permissions") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable", SourceLocation(folder),
                          "choose another folder with --out, or fix its permissions")


def _cannot_write(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {target.name}: {exc.strerror or exc}", SourceLocation(target),
                       "check the free space and permissions of the output folder, or use --out")


def write_atomic(target: Path, write: Callable[[Path], object]) -> None:
    """Call `write(tmp)` on a temporary file beside `target`, then move it into place.

    A failure (or an interrupt) leaves the previous `target` untouched and no temp file behind.
    Inside `output_transaction` the move happens when the transaction ends.
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        staged = _staged.get()
        if staged is None:
            os.replace(tmp, target)
        else:
            staged.append((tmp, target))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(target, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Atomically replace `target` with `data`."""
    write_atomic(target, lambda tmp: tmp.write_bytes(data))


def write_bytes_if_changed(target: Path, data: bytes) -> None:
    """Atomically replace `target` with `data`, unless it is a file that holds `data` already
    (a build that changes nothing changes no file: the stamp's records of them hold, quick.py)."""
    try:
        if stat.S_ISREG(os.lstat(target).st_mode) and target.read_bytes() == data:
            return
    except OSError:
        pass  # not there, or unreadable: written
    write_bytes_atomic(target, data)


def write_folder_atomic(target: Path, files: Mapping[str, bytes]) -> None:
    """Replace the folder `target` with one holding `files` (relative POSIX name -> bytes), whole.

    The files are written into a temporary folder beside `target`, which is then moved into
    place (inside `output_transaction`, when the transaction ends); a failure leaves the
    previous folder untouched and no temporary folder behind.
    """
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        for name, data in sorted(files.items()):
            path = tmp / name
            if not path.resolve().is_relative_to(tmp.resolve()) or name.startswith("/"):
                raise ValueError(f"{name!r} is not a name inside the folder")  # a bug: names are ours
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        for folder in (tmp, *(p for p in tmp.rglob("*") if p.is_dir())):
            os.chmod(folder, 0o755)
        staged = _staged.get()
        if staged is None:
            commit([(tmp, target)])
        else:
            staged.append((tmp, target))
    except OSError as exc:
        remove_output(tmp)
        raise _cannot_write(target, exc) from None
    except BaseException:
        remove_output(tmp)
        raise


def remove_output(path: Path) -> None:
    """Remove a file, or a folder with what it holds (never following a symbolic link)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def build_lock(folder: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (a `.huozi.lock` file, removed afterwards).

    A second build into the same folder waits here until the first has finished, calling
    `on_wait` first so its caller can say why nothing happens. Under the lock
    every temporary output file in the folder belongs to this build, so leftovers of a killed
    build are removed on entry, and this build's own on a failure.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the lock file: {exc.strerror}", SourceLocation(path),
                              "choose another folder with --out, or fix its permissions") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
                on_wait = None  # say it once
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The holder before us unlinks the file before releasing it: if the name now points
        # to another file (or none), our lock guards nothing, so take the lock again.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        _remove_leftovers(folder)
        yield
    except BaseException:
        # Including a file whose mkstemp() a signal interrupted before write_atomic noted its
        # name, and those of worker processes that finished before another one failed.
        _remove_leftovers(folder)
        raise
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def _remove_leftovers(folder: Path) -> None:
    # Only a killed build (SIGKILL, power loss) leaves these; under the lock none is in use.
    for stale in folder.glob(f"{TMP_PREFIX}*"):
        remove_output(stale)


@contextlib.contextmanager
def staging() -> Iterator[list[tuple[Path, Path]]]:
    """Inside, `write_atomic` writes temporary files but does not move them into place.

    Yields the (temporary file, target) pairs written; a failure removes them. A worker process
    stages its editions and hands the pairs to the parent, which commits them all at once.
    """
    staged: list[tuple[Path, Path]] = []
    token = _staged.set(staged)
    try:
        yield staged
    except BaseException:
        for tmp, _ in staged:
            remove_output(tmp)
        raise
    finally:
        _staged.reset(token)


@contextlib.contextmanager
def output_transaction(folder: Path) -> Iterator[list[tuple[Path, Path]]]:
    """Outputs written (or added to the yielded list) inside appear together at the end, or none do.

    Use it under `build_lock(folder)`.
    """
    with staging() as staged:
        yield staged
    commit(staged)


def _check_target(target: Path, folder: bool = False) -> None:
    """A target must be a regular file (a folder, for a folder output) or absent: anything else
    in its place would make `os.replace` fail halfway through a commit."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise OutputError(f"cannot write {target.name}: its folder {target.parent} does not exist",
                              SourceLocation(target), "choose another folder with --out") from None
        return
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    if not (stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)):
        kind = ("a file" if stat.S_ISREG(mode) else "a folder" if stat.S_ISDIR(mode)
                else "a symbolic link" if stat.S_ISLNK(mode) else "not a file")
        raise OutputError(f"cannot write {target.name}: {kind} of that name is in the way", SourceLocation(target),
                          "move it away (huozi replaces only files it wrote), or use another --out")


def commit(staged: list[tuple[Path, Path]]) -> None:
    """Move every (temporary file or folder, target) into place, all or none.

    Every target is checked before the first move; the files being replaced are kept (hard
    links, so no copy; a folder renamed aside) until the last move succeeded, and put back if
    one fails.
    """
    try:
        for tmp, checked in staged:
            _check_target(checked, folder=tmp.is_dir())
    except BaseException:
        for tmp, _ in staged:
            remove_output(tmp)
        raise
    backups: list[tuple[Path, Path | None]] = []  # (target, its previous file kept aside, or None)
    target: Path | None = None  # the move under way, for the error message
    try:
        for tmp, target in staged:
            backup = None
            if target.exists():
                backup = target.with_name(f"{TMP_PREFIX}{target.name}.previous.tmp")
                remove_output(backup)
                if tmp.is_dir():
                    os.rename(target, backup)  # a folder cannot be replaced whole: moved aside
                else:
                    try:
                        os.link(target, backup)
                    except OSError:  # a file system without hard links
                        shutil.copy2(target, backup)
            backups.append((target, backup))
            os.replace(tmp, target)  # each move is atomic; they run after every output is complete
    except BaseException as exc:
        for moved, backup in reversed(backups):  # put back what was there before
            with contextlib.suppress(OSError):
                if backup is None:
                    remove_output(moved)
                elif backup.is_dir():
                    if moved.exists():
                        remove_output(moved)
                    os.rename(backup, moved)
                else:
                    os.replace(backup, moved)
                    backup.unlink(missing_ok=True)  # when `moved` was never replaced: same file
        for tmp, _ in staged:
            remove_output(tmp)
        if isinstance(exc, OSError) and target is not None:
            raise _cannot_write(target, exc) from None
        raise
    for _, backup in backups:
        if backup is not None:
            remove_output(backup)
