"""Measure the writer's loop and the build on this machine; print a table (run by `make bench`).

Not a test: timings depend on the machine and its load. The budgets (2-core machine) are printed
beside each figure: setup when already set up, the cold and warm site build, the PDF edition, a prose edit to the
rebuilt page under `make serve`, `make test`, and the floor (import torch and run every page's
code once). Usage: python scripts/bench_build.py [--skip-tests]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def served_root() -> str:
    """The path `mkdocs serve` mounts the site at: the path of site_url (e.g. /autograd/)."""
    from course.markdown_blocks import mkdocs_yml

    return urlsplit(mkdocs_yml()["site_url"]).path or "/"


def serve_edit_latency(env: dict, page: str = "docs/zh/basics.md", url_path: str = "basics/") -> float:
    """Seconds from saving a prose edit to the rebuilt page being served by `mkdocs serve` (the
    Chinese site, mkdocs.yml, as `make serve` runs it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{served_root()}{url_path}"
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}", "--livereload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    path = ROOT / page
    original = path.read_text(encoding="utf-8")
    marker = f"benchmark-edit-{int(time.time())}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                fetch(url)
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("mkdocs serve did not start")
        time.sleep(1.5)  # let the file watcher settle
        start = time.perf_counter()
        path.write_text(original + f"\n{marker}\n", encoding="utf-8")
        while time.perf_counter() - start < 120:
            with contextlib.suppress(OSError):
                if marker in fetch(url):
                    return time.perf_counter() - start
            time.sleep(0.05)
        raise RuntimeError("the edit never appeared")
    finally:
        path.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-tests", action="store_true", help="do not time `make test` (a few minutes)")
    args = parser.parse_args()
    rows = []
    rows.append(("setup when already set up", timed(["make", "setup"]), "near-instant"))
    for folder in ("site", ".cache"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)
    site = [sys.executable, "scripts/build_site.py", "--site-dir", "site"]
    rows.append(("cold site build (no caches)", timed(site), "≤ 60 s"))
    rows.append(("warm site build (caches kept)", timed(site), "≤ 10 s"))
    rows.append(
        (
            "PDF edition, both languages (`make pdf`)",
            timed([sys.executable, "scripts/build_pdf.py", "--site-dir", "site"]),
            "≤ 120 s",
        )
    )
    writer = {**ENV, "WRITER_MODE": "1"}
    rows.append(("prose edit → page rebuilt (`make serve`)", serve_edit_latency(ENV), "≤ 3 s"))
    rows.append(("prose edit → page rebuilt (`make write`)", serve_edit_latency(writer), "≤ 3 s"))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(ROOT / ".cache" / "writer-site")],
        cwd=ROOT,
        env=writer,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows.append(
        (
            "build in writer mode (WRITER_MODE=1, one language)",
            time.perf_counter() - start,
            "what `make write` rebuilds",
        )
    )
    if not args.skip_tests:
        rows.append(("`make test` after setup", timed(["make", "test"]), "≤ 300 s"))
    rows.append(("floor: import torch", timed([sys.executable, "-c", "import torch"]), ""))
    rows.append(
        (
            "floor: every page's code once (zh)",
            timed(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "zh").glob("*.md")),
                ]
            ),
            "includes pytest start-up",
        )
    )
    width = max(len(name) for name, _, _ in rows)
    print(f"{'step'.ljust(width)}  {'seconds':>8}  budget")
    for name, seconds, budget in rows:
        print(f"{name.ljust(width)}  {seconds:8.1f}  {budget}")


if __name__ == "__main__":
    main()
