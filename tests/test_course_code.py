"""The code a page shows is code a learner would paste and run: no test scaffolding in it.

A ```python block never picks matplotlib's backend (`matplotlib.use(...)`): pasted into Jupyter, a figure
drawn after `matplotlib.use("Agg")` stays in memory and never shows. The tests choose the backend from
outside the code: course/pytest_pages.py sets the environment variable MPLBACKEND=Agg (unless it is already set), so
that the pages' plt.show() opens no window. On a machine without a display where nobody chose a backend,
matplotlib falls back to Agg by itself: tests/test_sin_derivative.py checks that by running the sin
page's plotting block as a plain script with MPLBACKEND, DISPLAY and WAYLAND_DISPLAY removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.markdown_blocks import ROOT, expand_includes, parse_blocks

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("**/*.md"))
SETS_BACKEND = re.compile(r"\b(matplotlib|mpl)\.use\s*\(|\bplt\.switch_backend\s*\(")


def blocks_that_set_a_backend(path: Path, text: str | None = None) -> list[int]:
    """Lines of the ```python blocks (with their includes expanded) that choose matplotlib's backend."""
    return [block.lineno for block in parse_blocks(path, text) if SETS_BACKEND.search(expand_includes(block.code))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_python_block_of_a_page_sets_the_matplotlib_backend(page):
    assert blocks_that_set_a_backend(page) == [], (
        f"{page.relative_to(ROOT)}: matplotlib.use in the blocks at these lines"
    )


def test_the_check_finds_a_backend_set_in_a_block_and_ignores_prose():
    page = "\n".join(
        [
            "# T { #t }",
            'Do not call `matplotlib.use("Agg")` here.',
            "",
            "```python",
            "import matplotlib",
            "",
            'matplotlib.use("Agg")',
            "```",
            "",
            "```python",
            "import matplotlib.pyplot as plt",
            "plt.show()",
            "```",
            "",
        ]
    )
    assert blocks_that_set_a_backend(Path("page.md"), page) == [4]
