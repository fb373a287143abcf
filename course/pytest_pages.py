"""Run every ```python block of docs/ as a test, and check what the page shows it printing.

The project's own runner, in pytest-codeblocks' marker syntax: CONTRIBUTING.md ("Code blocks") says
what is borrowed from the plugin and what differs; tests/test_codeblocks_reference.py checks that the
plugin's parser reads every page as this one does. Each chain of blocks gets fresh globals, and
torch's global switches are reset after it (``fresh_state``).

The code runs, and its output is compared, with the site's facts filled in as the built page shows
them (``@@torch_version@@``: course/steps/page_facts.py). ``pytest --update-outputs`` (``make outputs``)
rewrites the expected outputs in place, the pinned version written as its marker, and adds one under
any block that prints without showing it, for review with ``git diff``.

``pytest docs --record-versions FILE`` (``make versions``, under another torch) fails no block: it
writes what each block did compared with its page (same output, different output, or an error the
page does not show) to FILE as JSON, for scripts/torch_versions.py.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import os
import re
import sys
import traceback
import warnings
from pathlib import Path

import pytest

from course.markdown_blocks import (
    ROOT,
    Block,
    Chain,
    MarkdownError,
    as_shown,
    chains_of,
    code_digest,
    parse_blocks,
)
from course.steps.page_facts import as_written

# pytester runs the harness on small pages in tests/test_harness.py; pytest_parallel shares the tests
# between the two processes of `make test`.
pytest_plugins = ["pytester", "course.pytest_parallel"]

DOCS = ROOT / "docs"
# The pages' plotting blocks end with plt.show(), as a learner writes them: run here, they draw into
# memory (matplotlib's Agg backend) instead of opening a window on a machine with a display.
os.environ.setdefault("MPLBACKEND", "Agg")
UPDATES = pytest.StashKey[list]()
RECORDS = pytest.StashKey[dict]()

# Where an error names an installed file, the folder it is installed in is the machine's, not torch's.
INSTALL_PATH = re.compile(r"[^\s'\"(]*/site-packages/")


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        help="rewrite the expected outputs in docs/ with what the code prints (review with git diff)",
    )
    parser.addoption(
        "--record-versions",
        metavar="FILE",
        help="fail no block: write how each block's output compares with its page to FILE (make versions)",
    )


def pytest_configure(config):
    for option in ("--update-outputs", "--record-versions"):
        if config.getoption(option) and getattr(config.option, "numprocesses", None):
            raise pytest.UsageError(f"{option} writes files from one process: run it without -n")
    config.stash[UPDATES] = []
    if config.getoption("--record-versions"):
        config.stash[RECORDS] = {}


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".md" and file_path.is_relative_to(DOCS):
        return MarkdownPage.from_parent(parent, path=file_path)
    return None


class MarkdownPage(pytest.File):
    def collect(self):
        try:
            blocks = parse_blocks(self.path)
        except MarkdownError as err:
            raise self.CollectError(str(err)) from None
        numbers = {block.lineno: number for number, block in enumerate(blocks, start=1)}
        for chain in chains_of(blocks):
            first = chain.blocks[0]
            item = CodeChain.from_parent(self, name=f"line {first.lineno}", chain=chain, numbers=numbers)
            reasons = [b.skip_reason for b in chain.blocks if b.skip_reason]
            if reasons:
                item.add_marker(pytest.mark.skip(reason=f"{first.where}: {reasons[0]}"))
            yield item


class BlockFailure(Exception):
    """A block did not behave as its page says; the message is the whole report.

    ``error`` is the short form kept by ``--record-versions``: "TypeError: <message>", or
    "nothing raised" for a block whose page shows an error.
    """

    def __init__(self, message: str, error: str = ""):
        super().__init__(message)
        self.error = error


class CodeChain(pytest.Item):
    def __init__(self, *, chain: Chain, numbers: dict[int, int], **kwargs):
        super().__init__(**kwargs)
        self.chain = chain
        self.numbers = numbers  # line of a block -> its number among the page's Python blocks

    def runtest(self):
        records = self.config.stash.get(RECORDS, None)
        if records is not None:
            self.record(records.setdefault(self.path.relative_to(self.config.rootpath).as_posix(), []))
            return
        namespace: dict = {"__name__": "__main__"}
        with fresh_state():
            for block in self.chain.blocks:
                printed = run_block(block, namespace)
                self.check_output(block, printed)

    def record(self, page: list) -> None:
        """Run the chain to its end or its first unexpected error, noting how each block compares."""
        namespace: dict = {"__name__": "__main__"}
        failed = False
        with fresh_state():
            for block in self.chain.blocks:
                entry = {
                    "block": self.numbers[block.lineno],
                    "line": block.lineno,
                    "code": code_digest(block.code),
                }
                if failed:
                    entry["status"] = "not run"  # an earlier block of the chain failed
                    page.append(entry)
                    continue
                try:
                    printed = run_block(block, namespace)
                except BlockFailure as failure:
                    # Paths of this machine (the venv's packages, the checkout) are no part of the error.
                    # torch 1.x appends the Python stack of an error raised in a hook ("\n\nAt:\n  ..."):
                    # frames of the harness and of pytest, no part of the message.
                    error = INSTALL_PATH.sub("…/site-packages/", failure.error.split("\n\nAt:\n")[0])
                    entry.update(status="error", error=error.replace(f"{self.config.rootpath}/", ""))
                    failed = True
                else:
                    shown = block.output or ""
                    if printed == shown:
                        entry["status"] = "same"
                    else:
                        diff = difflib.unified_diff(
                            shown.splitlines(keepends=True), printed.splitlines(keepends=True), "page", "printed", n=1
                        )
                        entry.update(status="different", output=printed, diff="".join(diff))
                page.append(entry)

    def check_output(self, block: Block, printed: str) -> None:
        expected = block.output
        if printed == (expected or ""):
            return
        if self.config.getoption("--update-outputs"):
            # The pin goes back as its marker: the page states no version (course/steps/page_facts.py).
            self.config.stash[UPDATES].append((block, as_written(printed)))
            return
        if expected is None:
            raise BlockFailure(
                f"{block.where}: the block prints output that the page does not show:\n{printed}\n"
                "Run `make outputs` to add it under the block, then review it with git diff."
            )
        raise BlockFailure(
            f"{block.where}: the output shown at line {block.expected.lineno} is not what the code prints.\n"
            f"--- shown on the page\n{expected}--- printed\n{printed}"
            "Run `make outputs` to regenerate it, then review it with git diff."
        )

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, BlockFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.chain.blocks[0].lineno - 1, self.name


def run_block(block: Block, namespace: dict) -> str:
    """Execute one block in ``namespace``; return what it printed (and raised, if it should)."""
    code = block.program  # markers filled in, includes expanded: as the built page shows it
    # Pad with blank lines so that tracebacks give the line number in the Markdown file.
    source = "\n" * block.lineno + code
    printed = io.StringIO()

    def show_warning(message, category, filename, lineno, file=None, line=None):
        # Deprecation notices that a library raises about its own internals (torch.jit inside
        # forward-mode AD, say) appear once per process, so they would make a page's output depend
        # on which page ran first; a reader's own code is what a page shows warnings for. torch
        # 2.14 raised that torch.jit notice from DeprecationWarning to FutureWarning: the pages
        # that first call make_dual say what a reader sees then (docs/<lang>/forward-mode.md).
        deprecation = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
        if issubclass(category, deprecation) and filename != str(block.path):
            return
        # A ResourceWarning is raised when the garbage collector happens to run, about objects of
        # whatever ran before (another test's Jupyter sockets), not about the page's code.
        if issubclass(category, ResourceWarning) and filename != str(block.path):
            return
        # The pages' plt.show() runs under Agg (MPLBACKEND above), which warns "FigureCanvasAgg is
        # non-interactive, and thus cannot be shown" wherever DISPLAY is set, and always on macOS:
        # a fact about the machine the tests run on, not about the page, so it is left out.
        if issubclass(category, UserWarning) and str(message).endswith(" is non-interactive, and thus cannot be shown"):
            return
        printed.write(f"{category.__name__}: {message}\n")

    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        warnings.simplefilter("always")
        warnings.showwarning = show_warning
        try:
            exec(compile(source, str(block.path), "exec"), namespace)
        except Exception as err:
            if block.raises is None:
                # Drop this function's own frame: the report starts in the Markdown file.
                frames = traceback.format_exception(type(err), err, err.__traceback__.tb_next)
                raise BlockFailure(
                    f"{block.where}: the block raised\n{''.join(frames)}", as_shown(f"{type(err).__name__}: {err}")
                ) from None
            if type(err).__name__ != block.raises.rsplit(".", 1)[-1]:
                raise BlockFailure(
                    f"{block.where}: expected {block.raises}, got {type(err).__name__}: {err}",
                    as_shown(f"{type(err).__name__}: {err}"),
                ) from None
            printed.write(f"{type(err).__name__}: {err}\n")
        else:
            if block.raises is not None:
                raise BlockFailure(f"{block.where}: expected {block.raises}, but nothing was raised", "nothing raised")
    # torch's build-specific tails are shown as "…" (course/markdown_blocks.py, BUILD_TAIL).
    return as_shown(printed.getvalue())


@contextlib.contextmanager
def fresh_state():
    """Undo what a page's code may switch globally, so one page cannot change another's outputs."""
    cwd = os.getcwd()
    path = list(sys.path)
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        if "torch" in sys.modules:
            import torch

            torch.set_grad_enabled(True)
            torch.autograd.set_detect_anomaly(False)
            torch.set_default_dtype(torch.float32)
            torch.set_printoptions(profile="default")
            torch.use_deterministic_algorithms(False)
            if torch.is_inference_mode_enabled():  # only a leaked context manager leaves it on
                raise BlockFailure("inference mode is still on after the block")
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")


def pytest_sessionfinish(session):
    records = session.config.stash.get(RECORDS, None)
    if records is not None:
        for page in records.values():
            page.sort(key=lambda entry: entry["block"])
        target = Path(session.config.getoption("--record-versions"))
        target.write_text(json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    updates = session.config.stash.get(UPDATES, [])
    by_file: dict[Path, list] = {}
    for block, printed in updates:
        by_file.setdefault(block.path, []).append((block, printed))
    for path, changes in by_file.items():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        # Bottom-up, so earlier line numbers stay valid.
        for block, printed in sorted(changes, key=lambda c: c[0].lineno, reverse=True):
            indent = block.indent
            body = [f"{indent}{line}\n" if line else "\n" for line in printed.splitlines()]
            if block.expected is not None:
                fence = block.expected
                lines[fence.lineno : fence.end_lineno - 1] = body
            elif printed:
                lines[block.end_lineno : block.end_lineno] = [
                    "\n",
                    f"{indent}<!--pytest-codeblocks:expected-output-->\n",
                    "\n",
                    f"{indent}```text\n",
                    *body,
                    f"{indent}```\n",
                ]
        path.write_text("".join(lines), encoding="utf-8")
        print(f"\nupdated outputs in {path.relative_to(ROOT)}")
