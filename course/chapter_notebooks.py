"""A chapter's Markdown page as a Jupyter notebook (for course/steps/notebooks.py, and for the tests).

The converter is ours, on top of course/markdown_blocks.py (the parser the tests run the pages with),
so a notebook's code cells are exactly the page's tested blocks with their ``--8<--`` includes
expanded and, like all of the page, the site's facts filled in (``@@torch_version@@``:
course/steps/page_facts.py). nbformat (pinned) only
builds and serialises the notebook: jupytext's Markdown reader knows neither our markers nor
admonitions, and would turn every ```text output into a cell. Conversion is a pure function of the
page and its includes and takes milliseconds, so there is no cache. In a notebook:

* prose is Markdown with the TeX left as ``$...$`` (Jupyter renders it); ``{ #anchor }`` attribute
  lists and HTML comments are removed; links to other pages and figures point at the published site;
* an admonition (``!!! note "title"``, ``??? success "答案"``) is a blockquote opening with its bold
  title; a content tab (``=== "title"``) is its bold title and its body;
* the ```text outputs are dropped: running the notebook prints them, so a copy would show every output
  twice, and a stale one on any other torch version;
* a block marked ``<!-- raises: X -->`` is tagged ``raises-exception``, so "Run All" goes on past it;
* cell ids are ``<name>-<index>``, so two builds give the same bytes.

A page's blocks start with fresh globals in the tests but share one kernel in its notebook;
tests/test_hooks_chapter_notebooks.py runs every chapter notebook from top to bottom.

Colab. A lab page links to Colab, which opens the committed source from GitHub
(``colab_url``, derived from ``repo_url`` and ``edit_uri`` in mkdocs.yml). Chapter notebooks are
generated, never committed, so Colab could not open them from the repository: they are downloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

import nbformat

from course.markdown_blocks import MARKER, ROOT, MarkdownError, expand_includes, mkdocs_yml, parse_blocks, read_fences
from course.site_facts import language_roots, strings, torch_version
from course.steps.page_facts import MarkerError, fill_in

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# --------------------------------------------------------------------------------------------------
# Settings: from the build's validated config (course/steps/notebooks.py), or from mkdocs.yml when the
# converter runs without a build (the tests).


@dataclass(frozen=True)
class Site:
    site_url: str  # the site's root, where the default language lives
    repo_url: str
    branch: str
    roots: tuple[tuple[str, str], ...]  # (language, folder below the root): (("zh", ""), ("en", "en/"))

    def language_root(self, language: str) -> str:
        return self.site_url + dict(self.roots)[language]

    def page_url(self, name: str, language: str) -> str:
        return self.language_root(language) + ("" if name == "index" else f"{name}/")


def branch_from_edit_uri(edit_uri: str | None) -> str:
    parts = (edit_uri or "").strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] in {"edit", "blob"} else "main"


@lru_cache(maxsize=1)
def site_from_mkdocs_yml() -> Site:
    """The default language's configuration is the site's root (mkdocs.yml)."""
    config = mkdocs_yml()
    return Site(
        site_url=config["site_url"].rstrip("/") + "/",
        repo_url=config["repo_url"].rstrip("/"),
        branch=branch_from_edit_uri(config.get("edit_uri")),
        roots=tuple(language_roots(config["extra"]["alternate"]).items()),
    )


def colab_url(site: Site, path: Path) -> str:
    """Open a notebook committed to the repository in Colab (the one place this link is built)."""
    owner_repo = site.repo_url.removeprefix("https://github.com/")
    return (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{site.branch}/{path.relative_to(ROOT).as_posix()}"
    )


# --------------------------------------------------------------------------------------------------
# A chapter's Markdown to a notebook.

ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)\s*(?P<type>[\w-]+)(?:\s+[\w-]+)*(?:\s+"(?P<title>[^"]*)")?\s*$')
TAB = re.compile(r'^===\+?\s+"(?P<title>[^"]*)"\s*$')
HEADING_ATTRS = re.compile(r"^(?P<heading>#{1,6}\s.*?)\s*\{\s*[#.][^}]*\}\s*$")
BRACKETED = r"(?:[^\[\]]|\[[^\[\]]*\])*"  # link text, with one level of [...] inside
IMAGE = re.compile(r"!\[(?P<alt>" + BRACKETED + r")\]\((?P<src>[^)\s]+)\)(?:\{[^}]*\})?")
LINK = re.compile(r"(?<!!)\[(?P<text>" + BRACKETED + r")\]\((?P<href>[^)\s]+)\)")
PAGE_LINK = re.compile(r"^(?P<page>[\w-]+)\.md(?P<fragment>#[\w-]+)?$")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*:|^//", re.IGNORECASE)


def _resolve(href: str, site: Site, language: str, page_url: str) -> str:
    """Where a link of the page points on the published site."""
    if ABSOLUTE.match(href):
        return href
    if href.startswith("#"):
        return page_url + href
    page = PAGE_LINK.match(href)
    if page:
        return site.page_url(page.group("page"), language) + (page.group("fragment") or "")
    return urljoin(site.language_root(language), href)  # figures and other files of the same build


def _prose(line: str, site: Site, language: str, page_url: str) -> str | None:
    """One line of prose as the notebook shows it; None drops the line."""
    heading = HEADING_ATTRS.match(line)
    if heading:
        line = heading.group("heading")

    def image(match: re.Match[str]) -> str:
        src = match.group("src")
        if src.endswith("#only-dark"):
            return ""  # one figure is enough outside the site's colour schemes
        src = src.removesuffix("#only-light")
        return f"![{match.group('alt')}]({_resolve(src, site, language, page_url)})"

    def link(match: re.Match[str]) -> str:
        return f"[{match.group('text')}]({_resolve(match.group('href'), site, language, page_url)})"

    had_image = "![" in line
    line = LINK.sub(link, IMAGE.sub(image, line))
    if had_image and not line.strip():
        return None
    return line


@dataclass
class _Container:
    indent: int  # columns of the container's body
    quoted: bool  # an admonition (a blockquote) or a tab (not quoted)


def chapter_notebook(path: Path, language: str, site: Site | None = None) -> nbformat.NotebookNode:
    """The notebook of one page (``docs/<lang>/<name>.md``)."""
    site = site or site_from_mkdocs_yml()
    name = path.stem
    page_url = site.page_url(name, language)
    try:
        text = fill_in(path.read_text(encoding="utf-8"), path)  # the page as the site shows it
    except MarkerError as err:
        raise MarkdownError(str(err)) from None
    lines = text.splitlines()
    blocks = {block.lineno: block for block in parse_blocks(path, text)}
    fences = {fence.lineno: fence for fence, _ in read_fences(text, path)}
    outputs = {block.expected.lineno for block in blocks.values() if block.expected}

    cells: list[nbformat.NotebookNode] = []
    prose: list[str] = []
    stack: list[_Container] = []
    blank_lines = 0

    def depth() -> int:
        return sum(c.quoted for c in stack)

    def blanks() -> None:
        """The blank lines seen so far, inside the blockquote if still in one."""
        nonlocal blank_lines
        prose.extend([("> " * depth()).rstrip()] * blank_lines)
        blank_lines = 0

    def emit(line: str) -> None:
        blanks()
        quote = "> " * depth()
        prose.append(f"{quote}{line}" if line else quote.rstrip())

    def flush() -> None:
        nonlocal blank_lines
        kept: list[str] = []
        for line in COMMENT.sub("", "\n".join(prose)).split("\n"):
            empty = not line.strip(" >")
            if empty and (not kept or not kept[-1].strip(" >")):
                continue  # no run of empty lines (removed comments leave some), none at the top
            kept.append(line.rstrip() if empty else line)
        while kept and not kept[-1].strip(" >"):
            kept.pop()
        if kept:
            cells.append(_cell("markdown", "\n".join(kept)))
        prose.clear()
        blank_lines = 0

    i = 0
    if lines and lines[0].strip() == "---":  # front matter
        i = lines.index("---", 1) + 1
    while i < len(lines):
        line, lineno = lines[i], i + 1
        if not line.strip():
            blank_lines += 1
            i += 1
            continue
        indent = len(line) - len(line.lstrip(" "))
        while stack and indent < stack[-1].indent:
            stack.pop()
        body = line[stack[-1].indent if stack else 0 :]
        if lineno in blocks:
            block = blocks[lineno]
            flush()
            source = expand_includes(block.code).rstrip("\n")
            if block.skip_reason:  # shown, not run: the page does not run it either
                prose.append(f"```python\n{source}\n```")
                flush()
            else:
                cell = _cell("code", source)
                if block.raises:
                    cell.metadata["tags"] = ["raises-exception"]
                cells.append(cell)
            i = block.end_lineno
            continue
        if lineno in outputs:
            i = fences[lineno].end_lineno
            continue
        if lineno in fences:  # any other fence is prose: copied as it is
            fence = fences[lineno]
            for raw in lines[i : fence.end_lineno]:
                emit(raw[stack[-1].indent if stack else 0 :] if raw.strip() else "")
            i = fence.end_lineno
            continue
        if MARKER.match(line):
            i += 1
            continue
        admonition = ADMONITION.match(body)
        tab = TAB.match(body)
        if admonition or tab:
            title = (admonition or tab).group("title")
            if admonition and title is None:
                title = admonition.group("type").capitalize()
            blanks()
            stack.append(_Container(indent + 4, quoted=bool(admonition)))
            if title:
                emit(f"**{title}**")
                blank_lines = 1
            i += 1
            continue
        shown = _prose(body, site, language, page_url)
        if shown is not None:
            emit(shown)
        i += 1
    flush()

    # A note under the title: where the notebook comes from, and how to run it.
    first = cells[0] if cells and cells[0].cell_type == "markdown" else None
    if first is not None and first.source.startswith("# "):
        title_line, _, rest = first.source.partition("\n")
        note = strings(language)["notebook_note"].format(
            title=title_line[2:].strip(), url=page_url, torch_version=torch_version()
        )
        first.source = "\n\n".join(part for part in (title_line, note, rest.strip("\n")) if part)

    for index, cell in enumerate(cells):
        cell.id = f"{name}-{index:03d}"
    metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells})


def _cell(kind: str, source: str) -> nbformat.NotebookNode:
    # What nbformat.v4.new_*_cell make, without validating every cell (the tests validate notebooks).
    cell = {"cell_type": kind, "id": "", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return nbformat.from_dict(cell)


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """nbformat's own serialisation (sorted keys, one-space indent), ending with a newline."""
    return nbformat.writes(notebook) + "\n"


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def has_python(path: Path) -> bool:
    return any(not block.skip_reason for block in parse_blocks(path))
