"""The README is read in two minutes: what the course is, the two commands, what is tested, where
things are. Measurements live in BENCH.md (written by `make bench`)."""

from __future__ import annotations

import re

from course.markdown_blocks import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_at_most_120_lines():
    assert len(README.splitlines()) <= 120


def test_its_first_code_block_is_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make serve", "make test"]


def test_the_bench_table_has_a_home_outside_the_readme():
    bench = (ROOT / "BENCH.md").read_text(encoding="utf-8")
    assert "<!-- bench_pages: every page -->" in bench and "<!-- bench_pages" not in README
