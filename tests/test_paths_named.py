"""Every repository path that the project's comments, docstrings and guides name exists.

Read: the comments and docstrings of Python files (not their code, where tests write paths of the
scratch projects they make), every JavaScript, CSS, template and workflow file, the Makefile, and
the guides at the top (README, CONTRIBUTING, BENCH). A path is anything that starts with one of the
repository's folders, as `course/steps/stepper.py` or `tests/test_<page>.py`: a placeholder `<...>` or `*`
stands for any name, and then at least one file must match. The pages in docs/ are left to the
strict build, which checks their links.
"""

from __future__ import annotations

import io
import re
import subprocess
import tokenize

import pytest

from course.markdown_blocks import ROOT

FOLDERS = ("docs", "snippets", "course", "tests", "scripts", "overrides", "versions", ".github", ".ci")
PATH = re.compile(r"(?<![\w./-])((?:%s)/[\w./*<>-]*[\w*>])" % "|".join(re.escape(f) for f in FOLDERS))
GUIDES = ("README.md", "CONTRIBUTING.md", "BENCH.md", "Makefile")
TEXT = (".js", ".cjs", ".css", ".html", ".yml", ".yaml", ".toml", ".sh")


def tracked() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def python_prose(source: str) -> list[tuple[int, str]]:
    """The comments and docstrings of a Python file, with their first line."""
    found, previous = [], tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
        elif token.type == tokenize.STRING and previous in (
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.NL,
        ):
            found.append((token.start[0], token.string))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return found


def prose_of(name: str) -> list[tuple[int, str]]:
    source = (ROOT / name).read_text(encoding="utf-8")
    if name.endswith(".py") or name == ".ci/run" and source.startswith("#!/usr/bin/env python"):
        return python_prose(source)
    return [(1, source)]


def exists(path: str) -> bool:
    path = path.rstrip(".")
    pattern = re.sub(r"<[^>]*>", "*", path)
    if "*" in pattern:
        return any(ROOT.glob(pattern))
    return (ROOT / path).exists()


def named_paths(name: str) -> list[tuple[int, str]]:
    return [
        (line + text[: m.start()].count("\n"), m.group(1)) for line, text in prose_of(name) for m in PATH.finditer(text)
    ]


SOURCES = [name for name in tracked() if name in GUIDES or name.endswith((".py", *TEXT)) or name == ".ci/run"]


@pytest.mark.parametrize("name", SOURCES)
def test_every_path_a_file_names_exists(name):
    assert [f"{name}:{line}: {path}" for line, path in named_paths(name) if not exists(path)] == []


def test_a_stale_path_in_a_docstring_is_found_and_one_in_code_is_not():
    found = [
        m.group(1)
        for _, text in python_prose('"""See course/nowhere.py."""\nx = "course/scratch.py"\n')
        for m in PATH.finditer(text)
    ]
    assert found == ["course/nowhere.py"] and not exists(found[0]) and exists("tests/test_<what>.py")
