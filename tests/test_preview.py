"""huozi preview end to end: start it (its port taken, so it moves to the next), fetch the page,
edit the manuscript and see the new text arrive after the reload event, break the manuscript
and see the error page at file:line over the last good text, fix it, stop it."""
from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from huozi.skeleton import create_project

SRC = Path(__file__).resolve().parents[1] / "src"
TIMEOUT = 90  # seconds for one rebuild on a busy machine


class Events:
    """The preview's Server-Sent Events stream, read in a thread: each (event, data) in a queue."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.connection.request("GET", "/_huozi/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event, data = "message", ""
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "":
                if data or event != "message":
                    self.events.put((event, data))
                event, data = "message", ""

    def next_build(self, after: int) -> int:
        """The number of the next build that finished after build `after`."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            event, data = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            if event == "build" and int(data) > after:
                return int(data)

    def close(self) -> None:
        self.connection.close()


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type") or "", body


def _page(port: int, path: str) -> str:
    status, kind, body = _get(port, path)
    assert status == 200 and kind.startswith("text/html"), (path, status)
    return body.decode()


@pytest.fixture
def project(tmp_path) -> Path:
    """The sample book of `huozi new`, without the print page numbers (a faster rebuild)."""
    root = tmp_path / "book"
    create_project(root)
    with (root / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[html]\npage_numbers = false\n")
    return root


def test_preview_serves_rebuilds_reloads_and_shows_errors(project):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(SRC), "CI": "true", "SOURCE_DATE_EPOCH": "1590710400"}
    command = [sys.executable, "-m", "huozi", "preview", str(project), "--port", str(port),
               "--edition", "html", "--edition", "handout"]
    # Ctrl-C as in a terminal: a suite started in the background of a shell inherits SIGINT ignored.
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    events = None
    try:
        first = lines.get(timeout=60)
        served = re.fullmatch(r"serving the html edition at http://127\.0\.0\.1:(\d+)/ \(port (\d+) was taken\)\n",
                              first)
        assert served and int(served[2]) == port and int(served[1]) > port, first
        port = int(served[1])
        events = Events(port)
        generation = events.next_build(0)          # the first build (the stream says it at once if done)

        # The site, with the preview's script and bar; the built files have neither.
        index = _page(port, "/")
        assert "<h1 class=\"book-title\">新书</h1>" in index and "/_huozi/events" in index
        site = project / "dist" / "book-html"
        assert "<script" not in (site / "index.html").read_text(encoding="utf-8")
        assert _get(port, "/style/site.css")[1].startswith("text/css")
        assert _get(port, "/fonts/NotoSerifCJKsc-Regular.woff2")[1] == "font/woff2"
        assert _get(port, "/../book.toml")[0] == 404 and _get(port, "/nowhere.html")[0] == 404
        # The other editions the build wrote are linked from the page, and served.
        assert '<a href="/_huozi/outputs/book-handout.pdf">book-handout.pdf</a>' in index
        status, kind, pdf = _get(port, "/_huozi/outputs/book-handout.pdf")
        assert status == 200 and kind == "application/pdf" and pdf.startswith(b"%PDF")

        # An edit: the page reloads on the next build event and shows the new text.
        article = project / "manuscript" / "01-sample.md"
        text = article.read_text(encoding="utf-8")
        assert "北宋庆历年间" in text and "北宋庆历年间" in _page(port, "/sample.html")
        article.write_text(text.replace("北宋庆历年间", "北宋仁宗庆历年间"), encoding="utf-8")
        generation = events.next_build(generation)
        page = _page(port, "/sample.html")
        assert "北宋仁宗庆历年间" in page and f'const seen = "{generation}";' in page
        assert 'id="huozi-preview-error"' not in page

        # A broken manuscript: the error at its file:line above the last good version.
        broken = text.replace("北宋庆历年间", "北宋仁宗庆历年间，见@sec-nowhere，")
        article.write_text(broken, encoding="utf-8")
        line = next(n for n, text_line in enumerate(broken.splitlines(), 1) if "@sec-nowhere" in text_line)
        generation = events.next_build(generation)
        page = _page(port, "/sample.html")
        assert 'id="huozi-preview-error" role="alert"' in page
        assert f"manuscript/01-sample.md:{line}: cross-reference to &#x27;sec-nowhere&#x27;" in page
        assert "北宋仁宗庆历年间" in page                    # the last good build, still readable
        assert "manuscript/01-sample.md" in _page(port, "/")  # on every page

        # Fixed: the error goes, the text is the new one.
        article.write_text(text.replace("北宋庆历年间", "北宋的庆历年间"), encoding="utf-8")
        generation = events.next_build(generation)
        page = _page(port, "/sample.html")
        assert "北宋的庆历年间" in page and 'id="huozi-preview-error"' not in page
    finally:
        if events is not None:
            events.close()
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
        taken.close()
    assert process.returncode == 130, err
    assert "error: " in err and "sec-nowhere" in err     # the console said it too
    with pytest.raises(ConnectionRefusedError):              # nothing listens there any more
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
