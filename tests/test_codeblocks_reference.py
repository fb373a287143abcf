"""The pages' marker syntax is pytest-codeblocks': its own parser (pytest_codeblocks.extract_from_buffer,
pinned in requirements.txt) reads every page as our runner's parser (course/markdown_blocks.py) does.

The plugin cannot run our pages itself (CONTRIBUTING.md, "Code blocks", says why), so each page is
read twice, with the one marker of the pair it cannot take blanked out:

* block by block: `cont` markers blanked. Each ```python block, its first line and its expected
  output are the same as ours.
* chain by chain: expected outputs (marker and fence) blanked. pytest-codeblocks joins a chain into
  one block; its code is the code of our chain's blocks, one after the other.

Our `<!-- raises: T -->` marker is not the plugin's; it ignores it, as a comment. The one difference
allowed is the plugin's known defect, named here: in an indented fence (a block inside an exercise's
answer) it drops the empty lines.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pytest_codeblocks import extract_from_buffer

from course.markdown_blocks import chains_of, parse_blocks

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))
CONT = re.compile(r"^\s*<!--pytest-codeblocks:cont-->\s*$")
OUTPUT = re.compile(r"^\s*<!--pytest-codeblocks:expected-output-->\s*$")


def blanked(lines: list[str], keep) -> str:
    """The page with the lines `keep` refuses made empty: line numbers stay."""
    return "".join(line if keep(number, line) else "\n" for number, line in enumerate(lines))


def without_outputs(lines: list[str]) -> str:
    """The page with each expected-output marker and the fence after it made empty."""
    dropped: set[int] = set()
    for number, line in enumerate(lines):
        if OUTPUT.match(line):
            dropped.add(number)
            fence = next(k for k in range(number + 1, len(lines)) if lines[k].strip())
            ticks = re.match(r"\s*(`{3,})", lines[fence]).group(1)
            closing = next(k for k in range(fence + 1, len(lines)) if lines[k].strip() == ticks)
            dropped.update(range(fence, closing + 1))
    return blanked(lines, lambda number, _: number not in dropped)


def drops_empty_lines(code: str) -> str:
    """The plugin's known defect in an indented fence: its empty lines are gone."""
    return "".join(line for line in code.splitlines(keepends=True) if line.strip())


def as_the_plugin_reads(block) -> str:
    return drops_empty_lines(block.code) if block.indent else block.code


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_the_plugin_reads_each_block_and_its_output_as_we_do(page):
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    theirs = [
        b
        for b in extract_from_buffer(io.StringIO(blanked(lines, lambda _, line: not CONT.match(line))))
        if b.syntax == "python"
    ]
    ours = parse_blocks(page)
    assert [(b.lineno, b.code, b.expected_output) for b in theirs] == [
        (
            b.lineno,
            as_the_plugin_reads(b),
            b.expected and (drops_empty_lines(b.expected.body) if b.indent else b.expected.body),
        )
        for b in ours
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_the_plugin_joins_each_chain_as_we_do(page):
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    theirs = [b for b in extract_from_buffer(io.StringIO(without_outputs(lines))) if b.syntax == "python"]
    ours = chains_of(parse_blocks(page))
    assert [(b.lineno, b.code) for b in theirs] == [
        (chain.blocks[0].lineno, "".join(as_the_plugin_reads(b) for b in chain.blocks)) for chain in ours
    ]


def test_the_comparison_sees_a_marker_the_plugin_would_read_otherwise(tmp_path):
    # A `cont` with a non-Python fence between the two blocks: we continue the Python block before
    # it, the plugin the fence (its code would run with the shell text in it).
    page = tmp_path / "page.md"
    page.write_text(
        "```python\na = 1\n```\n\n```text\nnot code\n```\n\n<!--pytest-codeblocks:cont-->\n\n"
        "```python\nprint(a)\n```\n",
        encoding="utf-8",
    )
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    theirs = [b for b in extract_from_buffer(io.StringIO(without_outputs(lines))) if b.syntax == "python"]
    ours = chains_of(parse_blocks(page))
    assert [b.code for b in theirs] != ["".join(b.code for b in chain.blocks) for chain in ours]
