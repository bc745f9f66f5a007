"""huozi preview: serve the html edition on 127.0.0.1, and tell open pages when a build finished.

The server reads the site from the output folder as the last build left it: a failed build
leaves the previous site in place (output.py), so the last good version stays readable, with
the error shown above it. Every HTML page it serves gets a small script (only here, never in
the built files) that listens for builds on a Server-Sent Events stream and reloads the page,
and a bar linking to the other editions the build wrote. Rebuilding on save is the caller's
(cli.py runs `watch.watch_and_build` with warm `pipeline.Workers`); this module only serves and
announces.
"""
from __future__ import annotations

import errno
import html
import mimetypes
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .state import load_state

HOST = "127.0.0.1"
PORT = 8000
PORT_TRIES = 100          # a taken port: the next one, this many times
PREFIX = "/_huozi/"       # the preview's own URLs, apart from the site's pages
KEEP_ALIVE = 15.0         # seconds between comments on an idle event stream
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".woff2": "font/woff2",
         ".svg": "image/svg+xml", ".pdf": "application/pdf", ".epub": "application/epub+zip"}


@dataclass(frozen=True)
class BuildStatus:
    """What open pages are told: the number of the last build that finished, whether one is
    running, and the error of the last build when it failed (`file:line: message`, hint)."""

    generation: int = 0
    building: bool = False
    error: str | None = None


class PreviewState:
    """The builds, as the server's threads see them: a condition they wait on for a change."""

    def __init__(self) -> None:
        self._status = BuildStatus()
        self._changed = threading.Condition()
        self.closed = False

    @property
    def status(self) -> BuildStatus:
        with self._changed:
            return self._status

    def building(self) -> None:
        self._set(BuildStatus(self._status.generation, True, self._status.error))

    def built(self, error: str | None = None, changed: bool = True) -> None:
        """A build finished: pages reload when it changed an output, or failed, or was fixed."""
        previous = self._status
        reload = changed or error is not None or error != previous.error or previous.generation == 0
        self._set(BuildStatus(previous.generation + (1 if reload else 0), False, error))

    def close(self) -> None:
        self.closed = True
        self._set(self._status)

    def _set(self, status: BuildStatus) -> None:
        with self._changed:
            self._status = status
            self._changed.notify_all()

    def wait(self, seen: BuildStatus, timeout: float) -> BuildStatus:
        """The status once it differs from `seen` (or after `timeout` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self._status != seen or self.closed, timeout)
            return self._status


class PreviewServer(ThreadingHTTPServer):
    """The site in `out_dir / site` at /, the other outputs at /_huozi/outputs/NAME, builds at
    /_huozi/events. Listens on 127.0.0.1 only."""

    daemon_threads = True

    def __init__(self, out_dir: Path, site: str, port: int) -> None:
        super().__init__((HOST, port), _Handler)
        self.out_dir = out_dir
        self.site = site
        self.state = PreviewState()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> PreviewServer:
        self._thread = threading.Thread(target=self.serve_forever, name="huozi-preview", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.close()
        self.shutdown()
        self.server_close()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def outputs(self) -> dict[str, str]:
        """The files of the other editions the last build recorded: file name -> edition."""
        return {s.file: name for name, s in sorted(load_state(self.out_dir).items())
                if s.file != self.site and "/" not in s.file and not s.file.startswith(".")}


def open_server(out_dir: Path, site: str, port: int = PORT) -> PreviewServer:
    """A server on `port`, or on the next free port after it (PORT_TRIES of them)."""
    for candidate in range(port, port + PORT_TRIES):
        try:
            return PreviewServer(out_dir, site, candidate)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES) or candidate == port + PORT_TRIES - 1:
                raise
    raise AssertionError("unreachable")


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the console is the build's
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == PREFIX + "events":
            return self._events()
        if path.startswith(PREFIX + "outputs/"):
            name = path.removeprefix(PREFIX + "outputs/")
            if name in self.server.outputs():
                return self._file(self.server.out_dir / name, head)
            return self._missing(head)
        return self._page(path, head)

    def _page(self, path: str, head: bool) -> None:
        site = self.server.out_dir / self.server.site
        target = site / path.lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        for _ in range(10):  # a build moves the new site in with two renames: wait for the second
            if site.is_dir() or self.server.state.status.generation == 0:
                break
            time.sleep(0.02)
        real = target.resolve()
        if not real.is_relative_to(site.resolve()) or not real.is_file():
            return self._missing(head, waiting=not site.is_dir())
        self._file(real, head)

    def _file(self, path: Path, head: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            return self._missing(head)
        kind = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() == ".html":
            data = decorate(data, self.server.state.status, self.server.outputs())
        self._send(HTTPStatus.OK, kind, data, head)

    def _missing(self, head: bool, waiting: bool = False) -> None:
        status = self.server.state.status
        if waiting:  # no site yet: the first build is running, or failed
            title = "huozi preview: the first build has not finished" if status.error is None else \
                "huozi preview: the build failed"
        else:
            title = "huozi preview: no such page"
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body><main><h1>{title}</h1></main></body></html>").encode()
        code = HTTPStatus.SERVICE_UNAVAILABLE if waiting else HTTPStatus.NOT_FOUND
        self._send(code, TYPES[".html"], decorate(page, status, self.server.outputs()), head)

    def _send(self, code: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")   # a reload fetches the new stylesheet and fonts
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        """Server-Sent Events: `build` with the generation number now and after every build,
        `building` when one starts; a comment now and then keeps the connection open."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.server.state
        seen = state.status
        try:
            self.wfile.write(f"retry: 1000\nevent: build\ndata: {seen.generation}\n\n".encode())
            self.wfile.flush()
            while not state.closed:
                status = state.wait(seen, KEEP_ALIVE)
                if status.generation != seen.generation:
                    message = f"event: build\ndata: {status.generation}\n\n"
                elif status.building and not seen.building:
                    message = "event: building\ndata: \n\n"
                else:
                    message = ": waiting\n\n"
                seen = status
                self.wfile.write(message.encode())
                self.wfile.flush()
        except OSError:  # the page was closed or reloaded
            pass
        self.close_connection = True


# Only while previewing: reload on a new build, the error of a failed build, links to the outputs.
_STYLE = """<style>
#huozi-preview { position: fixed; right: 0.5rem; bottom: 0.5rem; z-index: 1000; font: 13px/1.4 sans-serif;
  background: #222; color: #fff; padding: 0.35rem 0.6rem; border-radius: 4px; opacity: 0.92; }
#huozi-preview a { color: #fff; margin-left: 0.6rem; }
#huozi-preview[data-building] .state::after { content: " · rebuilding…"; }
#huozi-preview-error { grid-column: 1 / -1; margin: 0; padding: 1rem 1.25rem; background: #fff1f0; color: #5c0b05;
  border-bottom: 3px solid #b3261e; font: 14px/1.5 sans-serif; }
#huozi-preview-error pre { white-space: pre-wrap; margin: 0.5rem 0 0; font: 14px/1.5 monospace; }
</style>
"""
_SCRIPT = """<script>
(() => {
  const seen = "%d";
  const bar = document.getElementById("huozi-preview");
  const events = new EventSource("/_huozi/events");
  events.addEventListener("build", (event) => { if (event.data !== seen) location.reload(); });
  events.addEventListener("building", () => { if (bar) bar.dataset.building = ""; });
})();
</script>
"""


def decorate(page: bytes, status: BuildStatus, outputs: dict[str, str]) -> bytes:
    """A page as the preview serves it: the reload script, the bar, and the error of a failed build
    above the last good version."""
    links = "".join(f'<a href="{PREFIX}outputs/{html.escape(name)}">{html.escape(name)}</a>' for name in outputs)
    bar = f'<div id="huozi-preview" lang="en"><span class="state">huozi preview</span>{links}</div>\n'
    error = ""
    if status.error is not None:
        error = (f'<div id="huozi-preview-error" role="alert" lang="en"><strong>huozi: the build failed.</strong> '
                 f"What you see below is the last good build.<pre>{html.escape(status.error)}</pre></div>\n")
    head, _, rest = page.partition(b"</head>")
    if not rest:
        head, rest = b"", page
    body_start = rest.find(b"<body")
    opened = rest.find(b">", body_start) + 1 if body_start >= 0 else 0
    tail = (bar + _SCRIPT % status.generation).encode()
    body = rest[:opened] + b"\n" + error.encode() + rest[opened:]
    closing = body.rfind(b"</body>")
    body = body[:closing] + tail + body[closing:] if closing >= 0 else body + tail
    return head + _STYLE.encode() + b"</head>" + body if head else _STYLE.encode() + body
