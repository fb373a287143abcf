"""Jupyter notebooks: every chapter as a downloadable notebook, and the labs as executed pages.

Chapters. A page with ```python blocks becomes ``<name>.<lang>.ipynb`` beside the built page
(``site/basics/basics.zh.ipynb``, ``site/en/basics/basics.en.ipynb``); ``page.meta["notebook"]`` tells
overrides/main.html to show the download button. The converter is ours, on top of
hooks/markdown_blocks.py (the parser the tests run the pages with), so a notebook's code cells are
exactly the page's tested blocks with their ``--8<--`` includes expanded. nbformat (pinned) only
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
tests/test_notebooks.py runs every chapter notebook from top to bottom.

Labs. docs/labs/*.<lang>.ipynb are rendered by mkdocs-jupyter (executed, cached under .cache/).
This hook fixes what goes wrong between it and mkdocs-static-i18n, and makes the pages light:

* i18n rebuilds the file list after mkdocs-jupyter has wrapped the notebooks, so the notebooks would be
  copied as raw JSON (and --strict passes); ``on_files`` runs after i18n and makes them pages again;
* each language's build evicts the other's entries from mkdocs-jupyter's cache, so every build would
  re-execute every lab; ``on_post_build`` marks every lab's entry as used first;
* the HTML inlines ~600 KB of JupyterLab CSS, a clipboard script and MathJax 2 from a URL; we keep the
  cells, give code and outputs the markup of the site's own code blocks, render ``$...$`` to MathML
  with hooks/render_math.py, take heading anchors from ``<a id="..."></a>`` in the heading (ASCII and
  the same in both languages, as on every page) and add a few lines of CSS.

Colab. A lab page links to Colab, which opens the committed source from GitHub
(``colab_url``, derived from ``repo_url`` and ``edit_uri`` in mkdocs.yml). Chapter notebooks are
generated, never committed, so Colab could not open them from the repository: they are downloads.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

try:  # imported by MkDocs as a file (hooks/ on sys.path) or by the tests as hooks.notebooks
    from markdown_blocks import MARKER, ROOT, expand_includes, mkdocs_yml, parse_blocks, read_fences
except ImportError:
    from hooks.markdown_blocks import MARKER, ROOT, expand_includes, mkdocs_yml, parse_blocks, read_fences

DOCS = ROOT / "docs"
LABS = DOCS / "labs"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

NOTE = {
    "zh": "> 本 Notebook 由课程网页[{title}]({url})生成，代码与网页上的相同。请从上到下依次运行（“全部运行”）；"
    "输出由你的环境重新产生，网页上的输出来自 torch 2.13.0 (CPU)。",
    "en": "> This notebook is generated from the course page [{title}]({url}); its code is the page's code. "
    "Run it from top to bottom (Run All); the outputs come from your own environment, "
    "those on the page from torch 2.13.0 (CPU).",
}


# --------------------------------------------------------------------------------------------------
# Settings, read from mkdocs.yml when the converter runs without a build (the tests).


@dataclass(frozen=True)
class Site:
    site_url: str
    repo_url: str
    branch: str
    default_language: str

    def language_root(self, language: str) -> str:
        return self.site_url if language == self.default_language else f"{self.site_url}{language}/"

    def page_url(self, name: str, language: str) -> str:
        return self.language_root(language) + ("" if name == "index" else f"{name}/")


def _branch(edit_uri: str | None) -> str:
    parts = (edit_uri or "").strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] in {"edit", "blob"} else "main"


def _default_language(plugins) -> str:
    for plugin in plugins:
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"].get("languages", []):
                if language.get("default"):
                    return language["locale"]
    return "zh"


@lru_cache(maxsize=1)
def site_from_mkdocs_yml() -> Site:
    config = mkdocs_yml()
    return Site(
        site_url=config["site_url"].rstrip("/") + "/",
        repo_url=config["repo_url"].rstrip("/"),
        branch=_branch(config.get("edit_uri")),
        default_language=_default_language(config.get("plugins", [])),
    )


def colab_url(site: Site, path: Path) -> str:
    """Open a notebook committed to the repository in Colab (the one place this link is built)."""
    owner_repo = site.repo_url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{site.branch}/{path.relative_to(ROOT).as_posix()}"


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
    return urljoin(site.site_url, href)  # figures and other files live at the root of the site


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
    """The notebook of one page (``docs/<name>.<lang>.md``)."""
    site = site or site_from_mkdocs_yml()
    name = path.name.split(".")[0]
    page_url = site.page_url(name, language)
    text = path.read_text(encoding="utf-8")
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
        note = NOTE[language].format(title=title_line[2:].strip(), url=page_url)
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


# --------------------------------------------------------------------------------------------------
# Lab pages: the HTML that mkdocs-jupyter makes, made light and offline.

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1>\s*", re.DOTALL | re.IGNORECASE)
CLIPBOARD = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\s*'
    r'|<div class="clipboard-copy-txt" id="cell-\d+">.*?</div>\s*',
    re.DOTALL,
)
CODE = re.compile(r'<div class="highlight-ipynb hl-(?P<lang>\w+)[^"]*"><pre>(?P<body>.*?)</pre></div>', re.DOTALL)
OUTPUT = re.compile(r'(?P<open><div class="jp-RenderedText[^"]*"[^>]*>)\s*<pre>(?P<body>.*?)</pre>', re.DOTALL)
MARKDOWN_CELL = re.compile(
    r'(?P<open><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(?P<body>.*?)(?P<close></div>\s*</div>\s*</div>\s*</div>)',
    re.DOTALL,
)
CODE_SPAN = re.compile(r"(<code\b.*?</code>|<pre\b.*?</pre>)", re.DOTALL)
MATH = re.compile(r"\$\$(?P<block>.+?)\$\$|\$(?P<inline>[^$\n]+?)\$", re.DOTALL)
HEADING = re.compile(r'<h(?P<level>[1-6]) id="[^"]*">(?P<body>.*?)<a class="anchor-link" href="#[^"]*">¶</a></h(?P=level)>', re.DOTALL)
HEADING_ANCHOR = re.compile(r'\s*<a id="(?P<id>[A-Za-z0-9_-]+)"></a>\s*')
LAB_CSS = """<style>
.jupyter-wrapper .jp-OutputArea .highlight { margin-top: -0.6em; }
.jupyter-wrapper .jp-OutputArea .highlight code { border-left: 0.2rem solid var(--md-accent-fg-color--transparent); }
</style>
"""


def _formula(tex: str, display: bool) -> str:
    # The module MkDocs loaded for hooks/render_math.py, so both hooks share one KaTeX process.
    module = sys.modules.get("hooks/render_math.py")
    if module is None:
        try:
            import render_math as module
        except ImportError:
            from hooks import render_math as module
    mathml = module.render_formula(tex.strip(), display)
    return f'<div class="math-display">{mathml}</div>' if display else mathml


def _math(body: str, source: str) -> str:
    def replace(match: re.Match[str]) -> str:
        display = match.group("block") is not None
        tex = html.unescape(match.group("block") if display else match.group("inline"))
        try:
            return _formula(tex, display)
        except ValueError as err:
            raise PluginError(f"notebooks: {source}: cannot render {tex.strip()!r}: {err}") from None

    parts = CODE_SPAN.split(body)
    return "".join(part if k % 2 else MATH.sub(replace, part) for k, part in enumerate(parts))


def lab_html(content: str, source: str, page_url: str, site_url: str) -> tuple[str, list[dict]]:
    """Light, offline HTML for an executed notebook; also the headings as MkDocs TOC tokens."""
    content = SCRIPT_OR_STYLE.sub("", content)
    content = COMMENT.sub("", content)
    content = CLIPBOARD.sub("", content)
    content = content.replace(' tabindex="0"', "")  # no keyboard stops on plain text
    content = CODE.sub(
        lambda m: f'<div class="language-{m.group("lang")} highlight"><pre><span></span><code>'
        f'{m.group("body").removeprefix("<span></span>")}</code></pre></div>',
        content,
    )
    content = OUTPUT.sub(
        lambda m: f'{m.group("open")}<div class="language-text highlight"><pre><code>{m.group("body")}</code></pre></div>',
        content,
    )
    content = MARKDOWN_CELL.sub(lambda m: m.group("open") + _math(m.group("body"), source) + m.group("close"), content)

    # Links to the site (written absolute, so they work in Jupyter and Colab) become relative.
    here = "/" + page_url

    def relative(match: re.Match[str]) -> str:
        target = "/" + match.group("path")
        rel = posixpath.relpath(target, here if here.endswith("/") else posixpath.dirname(here))
        return f'href="{rel}{"/" if target.endswith("/") and rel != "." else ""}'

    content = re.sub(r'href="' + re.escape(site_url) + r"(?P<path>[^\"#]*)", relative, content)

    tokens: list[dict] = []
    parents: list[dict] = []
    seen: set[str] = set()

    def heading(match: re.Match[str]) -> str:
        level, body = int(match.group("level")), match.group("body")
        anchor = HEADING_ANCHOR.search(body)
        if anchor is None:
            if level == 1:
                return f"<h1>{body.strip()}</h1>"
            raise PluginError(f'notebooks: {source}: heading {body!r} needs an anchor: <a id="ascii-name"></a>')
        ident = anchor.group("id")
        if ident in seen:
            raise PluginError(f"notebooks: {source}: two headings with the anchor {ident!r}")
        seen.add(ident)
        body = HEADING_ANCHOR.sub("", body).strip()
        token = {"level": level, "id": ident, "name": html.unescape(re.sub(r"<[^>]+>", "", body)), "children": []}
        while parents and parents[-1]["level"] >= level:
            parents.pop()
        (parents[-1]["children"] if parents else tokens).append(token)
        parents.append(token)
        return f'<h{level} id="{ident}">{body}<a class="headerlink" href="#{ident}" title="Permanent link">¶</a></h{level}>'

    content = HEADING.sub(heading, content)
    return LAB_CSS + content, tokens


# --------------------------------------------------------------------------------------------------
# MkDocs events.


class LabFile(File):
    """A lab notebook as a documentation page, at the place i18n gave it (``en/labs/x/`` ...)."""

    def is_documentation_page(self) -> bool:
        return True


def _lab_page(file: File, config, *, with_alternates: bool = True) -> LabFile:
    # i18n kept the page's destination that mkdocs-jupyter gave it, without the language suffix
    # ("labs/basics-lab/index.html", "en/labs/basics-lab/index.html"); without mkdocs-jupyter
    # it would be the notebook's own path.
    dest = file.dest_uri
    if dest.endswith(".ipynb"):
        stem = dest.removesuffix(".ipynb")
        dest = f"{stem}/index.html" if config.use_directory_urls else f"{stem}.html"
    page_file = LabFile(file.src_uri, file.src_dir, config.site_dir, config.use_directory_urls, dest_uri=dest, inclusion=file.inclusion)
    for attribute in ("name", "locale", "localization", "locale_alternate_of", "norm_src_uri"):
        if hasattr(file, attribute):
            setattr(page_file, attribute, getattr(file, attribute))
    # The same page in each language (the sitemap's hreflang links), as pages too.
    page_file.alternates = {
        language: page_file if other is file else _lab_page(other, config, with_alternates=False)
        for language, other in (getattr(file, "alternates", {}) if with_alternates else {}).items()
    }
    return page_file


def _requirements_hash() -> str:
    requirements = ROOT / "requirements.txt"
    data = requirements.read_bytes() if requirements.exists() else b""
    return hashlib.sha256(data).hexdigest()[:12]


def _is_lab(file: File) -> bool:
    return file.src_uri.startswith("labs/") and file.src_uri.endswith(".ipynb")


_state: dict = {"site": None, "pending": {}}


def on_config(config):
    i18n = config.plugins.get("i18n")
    _state["site"] = Site(
        site_url=config.site_url.rstrip("/") + "/",
        repo_url=(config.repo_url or "").rstrip("/"),
        branch=_branch(config.edit_uri),
        default_language=getattr(i18n, "default_language", None) or site_from_mkdocs_yml().default_language,
    )
    _state["pending"] = {}
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None and not Path(jupyter.config["cache_dir"]).is_absolute():
        # mkdocs-jupyter keys its cache by the notebook alone: a folder per requirements.txt makes
        # a new torch re-run the labs, and an absolute path makes the cache independent of the cwd.
        jupyter.config["cache_dir"] = str(ROOT / jupyter.config["cache_dir"] / _requirements_hash())


@event_priority(-110)  # after mkdocs-static-i18n (-100) has rebuilt the file list
def on_files(files: Files, config) -> Files:
    # In place: ``files`` is i18n's own Files class, which finds "basics.md" as "basics.zh.md".
    for file in [f for f in files if _is_lab(f) and not f.is_documentation_page()]:
        files.remove(file)
        files.append(_lab_page(file, config))
    i18n = config.plugins.get("i18n")
    if i18n is not None and getattr(i18n, "current_language", None):
        i18n.i18n_files_per_language[i18n.current_language] = files.documentation_pages()
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs hook signature
    site: Site = _state["site"]
    source = Path(page.file.abs_src_path)
    if _is_lab(page.file):
        page.meta["notebook"] = {"kind": "lab", "href": source.name, "colab": colab_url(site, source)}
        return markdown
    if source.suffix != ".md" or not has_python(source):
        return markdown
    language = source.name.split(".")[-2]
    target = Path(page.file.abs_dest_path).parent / source.with_suffix(".ipynb").name
    _state["pending"][target] = notebook_text(chapter_notebook(source, language, site))
    page.meta["notebook"] = {"kind": "chapter", "href": target.name, "colab": None}
    return markdown


def on_page_content(content: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs hook signature
    if not _is_lab(page.file):
        return content
    content, tokens = lab_html(content, page.file.src_uri, page.url, _state["site"].site_url)
    page.toc = get_toc(tokens)
    return content


@event_priority(50)  # before mkdocs-jupyter's on_post_build, which evicts unused cache entries
def on_post_build(config) -> None:
    for target, text in sorted(_state["pending"].items()):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _state["pending"] = {}
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None and jupyter.config["cache"] and hasattr(jupyter, "_used_cache_paths"):
        from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

        # Both the executed entries and writer mode's unexecuted ones (LAB_EXECUTE=false), so
        # `make write` does not throw away what the next full build needs.
        for notebook in sorted(LABS.glob("*.ipynb")):
            for executed in (True, False):
                key = _compute_cache_key(str(notebook), jupyter.config, executed)
                jupyter._used_cache_paths.add(_get_cache_path(jupyter.config["cache_dir"], key))
