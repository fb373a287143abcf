"""Serve a built site on 127.0.0.1 the way GitHub Pages serves it at `site_url`: under the same
path, with gzip for text, and with 404.html (status 404) for a path that has no file.

The sitemaps name pages by their address at `site_url`; they are served with this server's address
instead, as if it were the site's host: Material's instant navigation and language switching
compare the sitemap's addresses (host and port) with the links of the page.

Used by the browser tests (tests/browser/) and by `make bench` (scripts/bench_pages.py).
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import mimetypes
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

# What GitHub Pages compresses; images other than SVG and woff2 fonts are compressed already.
# micropython.wasm (course/steps/run_in_page.py) is compressed too: GitHub Pages compresses application/wasm.
COMPRESSIBLE = {
    ".html",
    ".css",
    ".js",
    ".mjs",
    ".json",
    ".svg",
    ".xml",
    ".txt",
    ".map",
    ".ipynb",
    ".md",
    ".py",
    ".wasm",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".py": "text/plain; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".woff2": "font/woff2",
    ".ipynb": "application/x-ipynb+json",
}


def site_url_of(site: Path) -> str:
    """`site_url` of a build: the shortest page address in its sitemap (the home page)."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    return min(re.findall(r"<loc>([^<]+)</loc>", sitemap), key=len)


def base_path_of(site: Path) -> str:
    """The path the site lives under on its host, e.g. "/autograd/"."""
    path = urlsplit(site_url_of(site)).path
    return path if path.endswith("/") else path + "/"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path
    base: str
    compress: bool
    site_url: str
    local_url: str
    log: list | None
    _cache: dict

    def log_message(self, *args) -> None:  # quiet
        pass

    def _resolve(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(self.base):
            return None
        relative = path[len(self.base) :]
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            return None
        if target.is_dir():
            if not path.endswith("/"):
                return None  # GitHub Pages redirects; the site never links this way
            target = target / "index.html"
        return target if target.is_file() else None

    def _send(self, head_only: bool) -> None:
        target = self._resolve()
        status = 200
        if target is None:
            status, target = 404, self.root / "404.html"
        body = target.read_bytes()
        if target.name == "sitemap.xml":
            body = body.replace(self.site_url.encode(), self.local_url.encode())
        headers = {
            "Content-Type": TYPES.get(target.suffix)
            or mimetypes.guess_type(target.name)[0]
            or "application/octet-stream"
        }
        if self.compress and target.suffix in COMPRESSIBLE and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            key = str(target)
            if key not in self._cache or target.name == "sitemap.xml":
                self._cache[key] = gzip.compress(body, compresslevel=9, mtime=0)
            body = self._cache[key]
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        headers["Content-Length"] = str(len(body))
        headers["Cache-Control"] = "max-age=600"  # what GitHub Pages sends
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        sent = sum(len(line) for line in self._headers_buffer)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)
            sent += len(body)
        if self.log is not None:
            self.log.append((urlsplit(self.path).path, status, sent))

    def do_GET(self) -> None:
        self._send(head_only=False)

    def do_HEAD(self) -> None:
        self._send(head_only=True)


@contextlib.contextmanager
def serve(site: Path, *, compress: bool = False, log: list | None = None) -> Iterator[str]:
    """Serve `site` on a free port of 127.0.0.1; yield the home page's address.

    With `log`, each response is appended to it as (path, status, bytes sent with the headers)."""
    base = base_path_of(site)
    site_url = site_url_of(site)
    handler = type(
        "Handler",
        (_Handler,),
        {
            "root": Path(site).resolve(),
            "base": base,
            "compress": compress,
            "_cache": {},
            "log": log,
            "site_url": site_url if site_url.endswith("/") else site_url + "/",
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    handler.local_url = f"http://127.0.0.1:{server.server_port}{base}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.local_url
    finally:
        server.shutdown()
        server.server_close()
