"""Fixtures shared by the tests of tests/: the strict build of the site, made once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from markdown_blocks import ROOT
from site_build import build

# The shared helpers of the figure scripts (figure_style, autograd_graph), importable as the figure
# runner (hooks/figures.py) makes them.
sys.path.insert(0, str(ROOT / "snippets"))


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site built with `mkdocs build --strict` into a temporary folder."""
    path = tmp_path_factory.mktemp("site")
    result = build(path)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return path
