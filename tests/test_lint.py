"""ruff, configured in pyproject.toml, finds nothing: lint rules and formatting."""

from __future__ import annotations

import subprocess
import sys

from course.markdown_blocks import ROOT


def ruff(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *arguments], cwd=ROOT, capture_output=True, text=True)


def test_ruff_check_finds_nothing():
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_file_is_formatted_as_ruff_format_writes_it():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
