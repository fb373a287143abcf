"""The site's facts inside the pages: a page writes a marker where a fact goes, the build fills it in.

    @@torch_version@@                the pinned torch, site_facts.torch_version() (requirements.txt)
    @@torch_version:<data file>@@    the torch a measurement ran on: the ``# torch:`` line of that
                                     file (``snippets/<topic>/<name>.csv``), without its local label
    @@machine:<data file>@@          the ``# machine:``, ``# processors:`` and ``# date:`` lines of
    @@processors:<data file>@@       that file, so that a measurement's caption names what
    @@date:<data file>@@             `make measure` wrote last, on whichever machine it ran

A marker is filled in everywhere in a page, prose, front matter, code blocks and their outputs alike,
before the Markdown is rendered (``on_page_markdown``; listed right after site_facts.py in mkdocs.yml,
so every later hook sees the filled-in page). The tests run a block and compare its output with the
markers filled in the same way (``Block.program`` and ``Block.output`` in course/markdown_blocks.py);
``pytest --update-outputs`` writes the marker back where the pin appears in what a block prints
(``as_written``). A chapter's notebook is made from the filled-in page (course/chapter_notebooks.py).
The versions record's digest of a block (markdown_blocks.code_digest) is of its code as the page
writes it, markers and all: moving the pin changes no digest.

``@@`` is no operator in Python, means nothing in TeX, Markdown or Jinja, and is not the ``{{ }}`` of
Jinja and f-strings, so a marker is never anything else. Any other text after ``@@`` is a misspelt
marker; it stops the build and the page's tests with the page and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from course.site_facts import ROOT, torch_version

MARKER = "@@torch_version@@"
FILLED = re.compile(r"@@(?:torch_version(?::(?P<data>[^@\s]+))?|(?P<line>machine|processors|date):(?P<file>[^@\s]+))@@")
# What is left after the markers are filled in and was meant as one: anything after @@, or Jinja's
# braces around a name that speaks of torch or a version.
STRAY = re.compile(r"@@[^@\n]{0,60}(?:@@)?|\{\{\s*[\w.:/-]*(?:torch|version)[\w.:/-]*\s*\}\}")


class MarkerError(ValueError):
    """A marker is misspelt, or names a data file that lacks its line; the message names file and line."""


def recorded(data: str, line: str, where: str) -> str:
    """The value of the header line ``# <line>: <value>`` of the data file ``data`` (relative to the
    repository)."""
    path = ROOT / data
    marker = "torch_version" if line == "torch" else line
    if not path.is_file():
        raise MarkerError(f"{where}: @@{marker}:{data}@@ names a file that does not exist")
    found = re.search(rf"^# {line}: (?P<value>\S(?:.*\S)?)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    if not found:
        what, shape = ("torch version", "version") if line == "torch" else (line, "value")
        raise MarkerError(f"{where}: {data} records no {what} (a line `# {line}: <{shape}>`)")
    return found["value"]


def measured_torch(data: str, where: str) -> str:
    """The torch version the data file ``data`` (relative to the repository) was measured with."""
    return recorded(data, "torch", where).split("+")[0]


def fill_in(text: str, page: Path | str = "<page>", first_line: int = 1) -> str:
    """``text`` with its markers filled in; ``page`` and ``first_line`` (the line of the page that
    ``text`` starts on) only name the place of a misspelt marker in the error."""
    if "@@" not in text and "{{" not in text:
        return text
    pin = torch_version()
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        where = f"{page}:{first_line + index}"

        def fill(found: re.Match, where: str = where) -> str:
            if found["line"]:
                return recorded(found["file"], found["line"], where)
            return pin if found["data"] is None else measured_torch(found["data"], where)

        lines[index] = FILLED.sub(fill, line)
        stray = STRAY.search(lines[index])
        if stray:
            raise MarkerError(
                f"{where}: {stray[0].strip()!r} is no marker: the pinned torch is written {MARKER}, "
                "the torch of a measurement @@torch_version:<data file>@@ (its machine, processors "
                "and date @@machine:<data file>@@, @@processors:<data file>@@, @@date:<data file>@@)"
            )
    return "".join(lines)


def as_written(printed: str) -> str:
    """What a page writes for ``printed``, a block's output: the pinned version as its marker."""
    pin = re.escape(torch_version())
    return re.sub(rf"(?<![\d.]){pin}(?!\d|\.\d)", MARKER, printed)


def _fill_meta(value, page: str):
    if isinstance(value, str):
        return fill_in(value, page)
    if isinstance(value, list):
        return [_fill_meta(item, page) for item in value]
    if isinstance(value, dict):
        return {key: _fill_meta(item, page) for key, item in value.items()}
    return value


def on_page_markdown(markdown: str, page, config, files) -> str:
    source = page.file.abs_src_path
    if not source or not source.endswith(".md"):
        return markdown  # the labs are notebooks, rendered by mkdocs-jupyter: they carry no marker
    shown = Path(source).relative_to(ROOT) if Path(source).is_relative_to(ROOT) else Path(source)
    try:
        # The file as written, front matter included, so that an error names the line an editor shows.
        fill_in(Path(source).read_text(encoding="utf-8"), shown)
        page.meta.update(_fill_meta(page.meta, str(shown)))
        return fill_in(markdown, shown)
    except MarkerError as err:
        raise PluginError(f"page_facts: {err}") from None
