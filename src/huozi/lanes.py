"""Worker lanes that share one warm-up: the first worker, once it has imported WeasyPrint, loaded
the fonts and compiled the templates, forks the other lanes' processes, so a build pays for that
warm-up once, not once per core (WeasyPrint's import alone is 0.3 s of CPU a process).

The first lane is a ProcessPoolExecutor of one process, forked by the build. The others are
`SiblingLane`s: a process forked by the first one (`fork_siblings`, from its warm-up), which
serves calls sent over a pipe. To the build a sibling looks like the first lane: `submit()` gives
a Future, `shutdown()` and `terminate()` stop it; if it dies, its calls fail with
BrokenProcessPool, as a ProcessPoolExecutor's do.

A pipe's end is closed in every process that does not use it, so a sibling sees the build's end
close (and stops) when the build goes, and the build sees the sibling's close when it dies. The
first lane reaps its siblings when it exits (the build stops the siblings first).
"""
from __future__ import annotations

import itertools
import os
import queue
import signal
import threading
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class SiblingLane:
    """The build's side of a lane whose process the first worker forks (see the module)."""

    def __init__(self, context: Any) -> None:
        self.ends = context.Pipe(duplex=True)          # (the build's end, the sibling's end)
        self._futures: dict[int, Future[Any]] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._reader: threading.Thread | None = None
        self._ended = False                             # the sibling is gone: calls fail at once
        self.pid: int | None = None

    def started(self) -> None:
        """The first worker has been forked (it holds the sibling's end now): close the build's copy
        of that end, so the sibling's exit shows here as the pipe's end, and start talking."""
        self.ends[1].close()
        self._reader = threading.Thread(target=self._read, daemon=True, name="huozi-sibling-reader")
        self._reader.start()
        threading.Thread(target=self._send, daemon=True, name="huozi-sibling-sender").start()

    def submit(self, function: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._ended:
                future.set_exception(BrokenProcessPool("a sibling worker process has ended"))
                return future
            number = next(self._numbers)
            self._futures[number] = future
        self._outbox.put((number, function, args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                for future in self._futures.values():
                    future.cancel()                     # only those the sibling has not answered
        self._outbox.put(None)
        if wait and self._reader is not None:
            self._reader.join()

    def terminate(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _send(self) -> None:
        conn = self.ends[0]
        while True:
            message = self._outbox.get()
            try:
                conn.send(message)
            except (OSError, ValueError):               # the sibling is gone: the reader fails the calls
                return
            if message is None:
                return

    def _read(self) -> None:
        conn = self.ends[0]
        try:
            kind, self.pid = conn.recv()
            while True:
                number, ok, value = conn.recv()
                with self._lock:
                    future = self._futures.pop(number)
                if future.cancelled():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except (EOFError, OSError):
            pass
        with self._lock:
            self._ended = True
            waiting, self._futures = list(self._futures.values()), {}
        for future in waiting:
            if not future.done():
                future.set_exception(BrokenProcessPool("a sibling worker process ended abruptly"))
        conn.close()


def fork_siblings(ends: list[tuple[Any, Any]]) -> None:
    """In the first worker, after its warm-up: fork one process for each sibling lane, serving the
    calls sent on its end of the pipe until the build sends None or goes."""
    from multiprocessing import util

    for build_end, _ in ends:
        build_end.close()                               # the build's ends are the build's alone
    children = []
    for index, (_, own) in enumerate(ends):
        pid = os.fork()
        if pid == 0:
            for other, (_, theirs) in enumerate(ends):
                if other != index:
                    theirs.close()
            _serve(own)                                 # never returns
        own.close()
        children.append(pid)

    def reap() -> None:
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    util.Finalize(None, reap, exitpriority=0)           # when this worker exits, after its siblings


def _serve(conn: Any) -> None:
    code = 0
    try:
        conn.send(("pid", os.getpid()))
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message is None:
                break
            number, function, args = message
            try:
                answer = (number, True, function(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the build, as a ProcessPoolExecutor does
                answer = (number, False, exc)
            try:
                conn.send(answer)
            except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled
                conn.send((number, False, RuntimeError(f"a worker's answer could not be sent: {exc!r}")))
    except BaseException:  # noqa: BLE001 - a sibling never returns into the first worker's code
        code = 1
    finally:
        os._exit(code)
