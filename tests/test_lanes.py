"""Worker lanes (huozi.lanes): the first worker forks the others after its warm-up, so WeasyPrint
is imported once a pool; a sibling answers like a ProcessPoolExecutor, fails its calls when it
dies, and is gone when the pool is closed."""
from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from huozi.lanes import SiblingLane
from huozi.pipeline import Workers


def _modules_at_fork() -> bool:
    return "weasyprint" in sys.modules


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _fail() -> None:
    raise ValueError("from the sibling")


def test_the_second_lane_is_forked_by_the_first_after_its_warm_up():
    with Workers(2) as workers:
        workers.start()
        first, second = workers._lanes
        assert isinstance(second, SiblingLane)
        first_pid = first.submit(os.getpid).result()
        assert second.submit(os.getppid).result() == first_pid      # forked by the first worker
        assert second.submit(_modules_at_fork).result()              # with WeasyPrint imported there
        assert second.submit(os.getpid).result() not in (first_pid, os.getpid())
        with pytest.raises(ValueError, match="from the sibling"):   # an error comes back as itself
            second.submit(_fail).result()
        pid = second.pid
    assert pid is not None and _gone(pid) and _gone(first_pid)


def test_a_killed_sibling_fails_its_calls_and_the_pool_still_closes():
    workers = Workers(2)
    workers.start()
    second = workers._lanes[1]
    pending = second.submit(time.sleep, 30)
    deadline = time.monotonic() + 60
    while second.pid is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(second.pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        pending.result(timeout=60)
    with pytest.raises(BrokenProcessPool):                          # and any call after, at once
        second.submit(os.getpid).result(timeout=5)
    workers.close(kill=True)
    assert _gone(second.pid)
