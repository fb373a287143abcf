"""Fixtures shared by the tests of tests/: the strict build of the site, made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_build import build


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site built with `mkdocs build --strict` into a temporary folder."""
    path = tmp_path_factory.mktemp("site")
    result = build(path)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return path
