"""How `make test` shares the tests between two processes (pytest-xdist: `-n 2 --dist loadfile`).

* The browser tests run in one process, in the order collected (but for the PDF's, OWN_PROCESS): Chromium keeps more than one core busy
  for each of them (both, for the page sweep and the layout-shift test), so two at once would only slow
  both down. The other process takes the remaining test files one by one (a file's tests stay
  together: some share a fixture made once per file).
* A test marked `@pytest.mark.alone` measures how pages behave over time, and a busy processor
  beside it would change what it measures: while it runs, no other test runs. Every test holds a lock
  file of the run's temporary folder (both processes share it) for its whole run, setup and teardown
  included: shared, or exclusively for a test marked `alone`. A second file is a turnstile: the test
  waiting for the exclusive lock holds it, so that the other process cannot keep the lock busy with
  one test after another.

Without pytest-xdist (`pytest` alone, `make outputs`, `make versions`) none of this applies. Our own
code, because pytest-xdist has neither: its `--dist loadgroup` would do the first, but with pytest 9.2
it no longer groups anything (it renames node ids through an attribute pytest dropped), and nothing
in it keeps the other process idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ALONE = "alone"
BROWSER_TESTS = "tests/browser/"  # as node ids begin
# Printing the PDF edition is one Chromium busy for a minute and more, which a test beside it slows
# down less than a second Chromium page does: its tests are a file of their own, as any other file.
OWN_PROCESS = ("tests/browser/test_pdf.py",)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{ALONE}: runs while no other test runs (under pytest -n): it measures how pages behave over time"
    )


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist; without it, never called
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's `--dist loadfile`, but with the browser tests as one file."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return BROWSER_TESTS if path.startswith(BROWSER_TESTS) and path not in OWN_PROCESS else path

    return BrowserTestsTogether(config, log)


def shared_folder(config) -> Path | None:
    """The folder the processes of this run share (each one's --basetemp is a folder in it), or None
    without pytest-xdist."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    return Path(config.option.basetemp).parent


@contextlib.contextmanager
def flocked(path: Path, mode: int) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, mode)
        yield  # closing the file releases the lock


@contextlib.contextmanager
def turn(folder: Path, alone: bool) -> Iterator[None]:
    """Hold the run lock for one test: exclusively if it runs alone, shared with other tests if not."""
    with contextlib.ExitStack() as held:
        with flocked(folder / "alone.turnstile", fcntl.LOCK_EX):
            if alone:  # waits here, holding the turnstile, for the test running beside it to end
                held.enter_context(flocked(folder / "alone.lock", fcntl.LOCK_EX))
        if not alone:
            held.enter_context(flocked(folder / "alone.lock", fcntl.LOCK_SH))
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    folder = shared_folder(item.config)
    if folder is None:
        return (yield)
    with turn(folder, alone=item.get_closest_marker(ALONE) is not None):
        return (yield)
