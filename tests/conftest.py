"""Fixtures shared by the tests of tests/: the strict build of the site, made once per run."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest
from site_build import build

from course.pytest_parallel import shared_folder


def pytest_collection_modifyitems(items):
    """A test that uses the built site is marked `build`, whether or not it says so: `make test-fast`
    (`-m "not build"`) leaves out every test that would build the site."""
    for item in items:
        if "site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="session")
def site(request, tmp_path_factory) -> Path:
    """The site built with `mkdocs build --strict` into a temporary folder. Under `pytest -n` the
    first worker to need it builds it into the folder the workers share, and the other one waits for
    that build and uses it (or reports its failure)."""
    folder = shared_folder(request.config) or tmp_path_factory.getbasetemp()
    path, failure = folder / "site", folder / "site-build-failed.txt"
    with open(folder / "site.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not path.is_dir() and not failure.exists():
            result = build(path)
            if result.returncode != 0:
                failure.write_text(f"{result.stdout}\n{result.stderr}", encoding="utf-8")
    if failure.exists():
        pytest.fail(f"mkdocs build --strict failed:\n{failure.read_text(encoding='utf-8')}", pytrace=False)
    return path
