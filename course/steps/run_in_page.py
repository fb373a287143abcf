"""Run the course's own engine in the reader's browser: publish the runtime, mark the runnable blocks.

A page opts in with front matter `run_in_page: blocks` (its ```python blocks get a Run button) or
`run_in_page: playground` (its blocks are the playground's starting examples). Only such pages load
overrides/javascripts/run-in-page.js (overrides/main.html); nothing of the runtime is fetched until
the reader's first Run.

1. Every language's build publishes, at ``runtime/`` (MkDocs' public ``File.generated``),
   ``micropython.mjs`` and ``micropython.wasm``: the files of the npm package
   @micropython/micropython-webassembly-pyscript pinned in package.json, unchanged. The engine the
   reader runs is not copied anywhere: it is the code of the page's blocks, which the build includes
   from snippets/from_scratch/engine.py (the file tests/test_from_scratch.py checks against torch).
2. On an opted-in page, each ```python block's ``<div class="language-python highlight">`` gets
   ``data-run``: ``page`` for a block that needs only Python (it runs in the page), ``local`` for
   one that uses torch, matplotlib or numpy (a note before it says it runs only on the reader's own
   computer and links to the "run it yourself" page). Also ``data-chain`` (the chain it belongs
   to, as the tests join blocks with ``<!--pytest-codeblocks:cont-->``) and, for a block marked
   ``<!-- raises: T -->``, ``data-raises``. Running a block runs the runnable blocks of its chain
   up to it, in order, in fresh globals: the rule is in CONTRIBUTING.md ("Code blocks").

A block "uses" a module when its code (includes expanded and facts filled in, as the build shows it)
has that name as a Python name: comments and strings do not count, so `# as torch.relu does` keeps a
block runnable.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from course.markdown_blocks import MarkdownError, chains_of, parse_blocks
from course.site_facts import strings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"
RUNTIME_FILES = ("micropython.mjs", "micropython.wasm")
PUBLISHED = "runtime"  # where the worker finds them: runtime/micropython.mjs
LOCAL_ONLY = frozenset({"torch", "matplotlib", "numpy"})
MODES = ("blocks", "playground")

PYTHON_DIV = re.compile(r'<div class="language-python highlight">')


def python_names(code: str) -> set[str]:
    """The names in ``code``, without those in comments and strings."""
    names = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NAME:
                names.add(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        names.update(re.findall(r"[A-Za-z_]\w*", code))  # cannot tokenize: be cautious
    return names


def local_modules(code: str) -> list[str]:
    """The modules that keep ``code`` from running in the page (empty: it runs in the page)."""
    return sorted(python_names(code) & LOCAL_ONLY)


def runnable_blocks(path: Path) -> list[dict]:
    """Each ```python block of a page, in order: its chain, its line, whether it runs in the page,
    the exception it must raise and the output the page shows under it."""
    found = []
    for number, chain in enumerate(chains_of(parse_blocks(path))):
        for block in chain.blocks:
            code = block.program
            found.append(
                {
                    "chain": number,
                    "line": block.lineno,
                    "code": code,
                    "local": local_modules(code),
                    "raises": block.raises,
                    "expected": block.output or "",
                }
            )
    return found


def _required(path: Path) -> Path:
    if not path.is_file():
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        raise PluginError(f"run_in_page: {shown} is missing (run `npm ci`, or `make setup-build`)")
    return path


def on_files(files, config):
    for name in RUNTIME_FILES:
        files.append(File.generated(config, f"{PUBLISHED}/{name}", abs_src_path=str(_required(PACKAGE / name))))
    return files


def mode_of(page) -> str | None:
    mode = page.meta.get("run_in_page")
    if mode is None:
        return None
    if mode not in MODES:
        raise PluginError(f"run_in_page: {page.file.src_uri}: run_in_page must be one of {MODES}, not {mode!r}")
    return mode


def annotate(html: str, blocks: list[dict], mode: str, language: str, run_yourself: str, where: str) -> str:
    """Give each python block's <div> its data attributes, and a note before those that need torch."""
    divs = PYTHON_DIV.findall(html)
    if len(divs) != len(blocks):
        raise PluginError(
            f"run_in_page: {where}: {len(blocks)} python blocks in the Markdown, "
            f"{len(divs)} in the HTML; cannot tell which is which"
        )
    queue = iter(blocks)

    def mark(match: re.Match) -> str:
        block = next(queue)
        attributes = [f'data-chain="{block["chain"]}"', f'data-line="{block["line"]}"']
        if mode == "playground":  # the first block is the engine, the others the starting examples
            attributes.insert(0, 'data-run="engine"' if block is blocks[0] else 'data-run="example"')
        elif block["local"]:
            attributes.insert(0, 'data-run="local"')
        else:
            attributes.insert(0, 'data-run="page"')
        if block["raises"]:
            attributes.append(f'data-raises="{block["raises"]}"')
        div = match[0][:-1] + " " + " ".join(attributes) + ">"
        if mode == "blocks" and block["local"]:
            modules = ", ".join(block["local"])
            # Links to the run-yourself page: run_local in overrides/locales/<lang>.yml.
            note = strings(language)["run_local"].format(modules=modules, href=run_yourself)
            return f'<p class="run-local">{note}</p>\n{div}'
        return div

    return PYTHON_DIV.sub(mark, html)


def on_page_content(html: str, page, config, files) -> str:
    mode = mode_of(page)
    if mode is None:
        return html
    try:
        blocks = runnable_blocks(Path(page.file.abs_src_path))
    except MarkdownError as err:
        raise PluginError(f"run_in_page: {err}") from None
    target = files.get_file_from_path("run-yourself.md")
    if target is None:
        raise PluginError("run_in_page: no run-yourself.md to link the torch blocks to")
    return annotate(
        html,
        blocks,
        mode,
        config["theme"]["language"],
        target.url_relative_to(page.file),
        page.file.src_uri,
    )
