"""Read the Python blocks of a Markdown page, with the markers that tell the tests what to expect.

The parser of the test harness (course/pytest_pages.py). It lives in course/ because the build needs it too:
course/chapter_notebooks.py makes each chapter's notebook from exactly these blocks, so a notebook
holds the code the tests ran.

The markers are pytest-codeblocks', plus one of ours (CONTRIBUTING.md, "Code blocks", says what is
borrowed and what differs; tests/test_codeblocks_reference.py compares this parser with the plugin's):

    <!--pytest-codeblocks:cont-->             this block continues the previous one (same globals)
    <!--pytest-codeblocks:expected-output-->  the next fence is what the previous block prints
    <!--pytest.mark.skip(reason="...")-->      skip the next block; a reason is required
    <!-- raises: RuntimeError -->              the next block must raise exactly this exception type;
                                               its expected output ends with "RuntimeError: <message>"

A block's ``code`` and ``expected`` are what the page writes; ``program`` and ``output`` are what the
built page shows, with the site's facts filled in (``@@torch_version@@``: course/steps/page_facts.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from course.steps.page_facts import MarkerError, fill_in

ROOT = Path(__file__).resolve().parent.parent

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")
# Info strings that mean Python to a human but that a strict "python" check would skip.
PYTHON_LIKE = re.compile(r"^\s*\{?\.?(py|python|python3|py3|pycon|ipython|ipython3)\b", re.IGNORECASE)


# torch ends some warnings with the place in its C++ source that raised them, e.g.
# "(Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)".
# The path and line belong to the build, not to the message: they change with every release and
# build machine. Pages show them as "…" (CONTRIBUTING.md, "Code blocks"); the message stays exact.
BUILD_TAIL = re.compile(r"\(Triggered internally at [^\n]*?:\d+\.\)")
BUILD_TAIL_SHOWN = "(Triggered internally at …)"


def as_shown(printed: str) -> str:
    """What a page shows for ``printed``: torch's build-specific tails replaced by "…"."""
    return BUILD_TAIL.sub(BUILD_TAIL_SHOWN, printed)


def code_digest(code: str) -> str:
    """Names a block's code as the page writes it (markers left as they are, includes expanded):
    `make versions` records it with each block, and course/steps/version_notes.py shows a record only for
    the code it was made with."""
    return hashlib.sha256(expand_includes(code).encode("utf-8")).hexdigest()[:12]


class MarkdownError(ValueError):
    """A page's markers or fences are malformed; the message names the file and line."""


@dataclass
class Fence:
    lineno: int  # 1-based line of the opening fence
    end_lineno: int  # 1-based line of the closing fence
    indent: str
    info: str
    body: str


@dataclass
class Block:
    path: Path
    lineno: int  # 1-based line of the opening fence
    code: str
    indent: str
    continues: bool = False
    raises: str | None = None
    skip_reason: str | None = None
    expected: Fence | None = None
    end_lineno: int = 0

    @property
    def page(self) -> str:
        return str(self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.lineno}"

    @property
    def program(self) -> str:
        """The code as the built page shows it and the tests run it: facts filled in, includes expanded."""
        return expand_includes(fill_in(self.code, self.page, self.lineno + 1))

    @property
    def output(self) -> str | None:
        """The output as the built page shows it (facts filled in); None where the page shows none."""
        return fill_in(self.expected.body, self.page, self.expected.lineno + 1) if self.expected else None


@dataclass
class Chain:
    """Blocks that run one after another in the same globals (joined by ``cont``)."""

    blocks: list[Block] = field(default_factory=list)


def read_fences(text: str, path: Path) -> list[tuple[Fence, list[str]]]:
    """Every fenced block, with the marker comments seen since the previous fence."""
    lines = text.splitlines()
    found: list[tuple[Fence, list[str]]] = []
    markers: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = MARKER.match(line)
        if marker:
            markers.append(marker.group("body"))
            i += 1
            continue
        opening = FENCE_OPEN.match(line)
        if not opening:
            if line.strip() and not line.lstrip().startswith(("!!!", "???", "===")):
                # Prose between a marker and its fence would detach the marker from its block.
                if markers and any(_is_block_marker(m) for m in markers):
                    raise MarkdownError(f"{path}:{i + 1}: text between a marker and its code fence")
            i += 1
            continue
        indent, fence, info = opening.group("indent", "fence", "info")
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            candidate = lines[j]
            stripped = candidate.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            body.append(candidate[len(indent) :] if candidate.startswith(indent) else candidate.lstrip())
            j += 1
        else:
            raise MarkdownError(f"{path}:{i + 1}: code fence is never closed")
        found.append((Fence(i + 1, j + 1, indent, info.strip(), "".join(f"{b}\n" for b in body)), markers))
        markers = []
        i = j + 1
    return found


def _is_block_marker(body: str) -> bool:
    return body.startswith(("pytest-codeblocks:", "pytest.mark.", "raises:"))


def parse_blocks(path: Path, text: str | None = None) -> list[Block]:
    """The ```python blocks of one page, each with its markers and its expected output."""
    text = path.read_text(encoding="utf-8") if text is None else text
    try:
        fill_in(text, path)  # a misspelt marker anywhere on the page stops here, naming its line
    except MarkerError as err:
        raise MarkdownError(str(err)) from None
    blocks: list[Block] = []
    for fence, markers in read_fences(text, path):
        where = f"{path}:{fence.lineno}"
        is_output = False
        block = Block(path, fence.lineno, fence.body, fence.indent, end_lineno=fence.end_lineno)
        for body in markers:
            if body == "pytest-codeblocks:expected-output":
                is_output = True
            elif body == "pytest-codeblocks:cont":
                block.continues = True
            elif body.startswith("raises:"):
                block.raises = body.removeprefix("raises:").strip()
                if not re.fullmatch(r"[A-Za-z_][\w.]*", block.raises):
                    raise MarkdownError(f"{where}: `raises:` needs one exception type, got {block.raises!r}")
            elif body.startswith("pytest.mark.skip"):
                reason = re.fullmatch(r"pytest\.mark\.skip\(reason=(['\"])(?P<r>.+)\1\)", body)
                if not reason:
                    raise MarkdownError(f'{where}: a skip must say why: <!--pytest.mark.skip(reason="...")-->')
                block.skip_reason = reason.group("r")
            elif body.startswith("pytest-codeblocks:") or body.startswith("pytest.mark."):
                raise MarkdownError(f"{where}: unknown marker <!--{body}-->")
        if is_output:
            if not blocks:
                raise MarkdownError(f"{where}: expected-output with no Python block before it")
            if blocks[-1].expected is not None:
                raise MarkdownError(f"{where}: the block at line {blocks[-1].lineno} already has an output")
            if fence.info != "text":
                raise MarkdownError(f"{where}: an expected output is a ```text fence, not ```{fence.info}")
            blocks[-1].expected = fence
            continue
        if fence.info != "python":
            if block.continues or block.raises or block.skip_reason:
                raise MarkdownError(f"{where}: a marker for Python on a ```{fence.info} fence")
            continue
        if block.continues and not blocks:
            raise MarkdownError(f"{where}: `cont` on the first Python block of the page")
        blocks.append(block)
    return blocks


def chains_of(blocks: list[Block]) -> list[Chain]:
    chains: list[Chain] = []
    for block in blocks:
        if block.continues:
            chains[-1].blocks.append(block)
        else:
            chains.append(Chain([block]))
    return chains


def python_like_fences(path: Path) -> list[Fence]:
    """Fences a reader would take for Python, whatever their exact info string."""
    return [fence for fence, _ in read_fences(path.read_text(encoding="utf-8"), path) if PYTHON_LIKE.match(fence.info)]


@lru_cache(maxsize=1)
def mkdocs_yml() -> dict:
    """mkdocs.yml as data, read with MkDocs' own loader (it knows the !ENV and !!python tags)."""
    import yaml
    from mkdocs.utils.yaml import get_yaml_loader

    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=get_yaml_loader())


@lru_cache(maxsize=1)
def _snippet_preprocessor():
    """pymdownx.snippets configured as in mkdocs.yml, so tests expand includes like the build."""
    import markdown

    config = mkdocs_yml()
    options = {}
    for extension in config["markdown_extensions"]:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            options = dict(extension["pymdownx.snippets"] or {})
    options["base_path"] = [str(ROOT / p) for p in options.get("base_path", ["."])]
    md = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": options})
    return md.preprocessors["snippet"]


def expand_includes(code: str) -> str:
    """Replace ``--8<-- "file:section"`` lines with the included code, as the build does."""
    if "--8<--" not in code:
        return code
    return "\n".join(_snippet_preprocessor().run(code.splitlines())) + "\n"
