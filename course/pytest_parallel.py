"""How `make test` shares the tests between two processes (pytest-xdist: `-n 2 --dist loadfile`).

The browser tests run in one process, in the order collected (but for the PDF's, OWN_PROCESS):
Chromium keeps more than one core busy for each of them (both, for the page sweep), so two at once
would only slow both down. The other process takes the remaining test files one by one (a file's
tests stay together: some share a fixture made once per file).

Without pytest-xdist (`pytest` alone, `make outputs`, `make versions`) none of this applies. Our own
code, because pytest-xdist's `--dist loadgroup` would do it, but with pytest 9.2 it no longer groups
anything (it renames node ids through an attribute pytest dropped). It overrides a private method of
pytest-xdist's scheduler (CONTRIBUTING.md, "Where the build leans on other packages' internals").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BROWSER_TESTS = "tests/browser/"  # as node ids begin
# Printing the PDF edition is one Chromium busy for a minute and more, which a test beside it slows
# down less than a second Chromium page does: its tests are a file of their own, as any other file.
OWN_PROCESS = ("tests/browser/test_pdf.py",)


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
