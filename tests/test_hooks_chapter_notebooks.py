"""course/chapter_notebooks.py: every chapter as a notebook that holds the page's code and runs.

The converter is called directly (no build), on a small page that uses every construct and on
every chapter; the notebooks of one language are run from top to bottom with nbclient.
"""

from __future__ import annotations

import multiprocessing
import re
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from notebook_pages import CHAPTER_NAMES, CHAPTERS, DOCS, LABS, SITE, code_without_comments, notebook_of

from course import chapter_notebooks
from course.markdown_blocks import ROOT, MarkdownError, expand_includes, mkdocs_yml, parse_blocks, read_fences
from course.site_facts import jobs, torch_version

# --------------------------------------------------------------------------------------------------
# The converter, on a small page that uses every construct.

PAGE = textwrap.dedent(
    """\
    ---
    description: a page
    ---

    # A page { #a-page }

    !!! abstract "In this chapter"

        What you learn, with $\\mathbf{x}$.

    <!-- a note for authors -->
    See [the basics](basics.md#backpropagation), [below](#later) and [PyTorch](https://pytorch.org/).

    ```python
    import torch

    x = torch.ones(2)
    print(x)
    ```

    <!--pytest-codeblocks:expected-output-->

    ```text
    tensor([1., 1.])
    ```

    ![a figure](figures/dot_graph.light.svg#only-light)
    ![a figure](figures/dot_graph.dark.svg#only-dark)

    ## Later { #later }

    !!! warning "Careful"

        An error:

        <!--pytest-codeblocks:cont-->
        <!-- raises: RuntimeError -->

        ```python
        torch.arange(4, requires_grad=True)
        ```

        <!--pytest-codeblocks:expected-output-->

        ```text
        RuntimeError: Only Tensors of floating point and complex dtype can require gradients
        ```

        After it.

    === "Tab one"

        In the first tab.

    ??? success "Answer"

        ```python
        --8<-- "snippets/exercises/chain_rule.py:function"
        ```
    """
)


@pytest.fixture
def page(tmp_path) -> Path:
    path = tmp_path / "demo.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def markdown_of(notebook) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_prose_reads_as_markdown_without_mkdocs_syntax(page):
    text = markdown_of(chapter_notebooks.chapter_notebook(page, "en", SITE))
    assert text.startswith("# A page\n\n> This notebook is generated from the course page [A page](")
    assert "> **In this chapter**\n>\n> What you learn, with $\\mathbf{x}$." in text
    assert "> **Careful**\n>\n> An error:" in text
    assert "> After it." in text
    assert "**Tab one**\n\nIn the first tab." in text
    assert "> **Answer**" in text
    for raw in ("!!!", "???", "===", "{ #", "<!--", "```text", "tensor([1., 1.])", "description:"):
        assert raw not in text, raw
    assert "## Later\n" in text


def test_links_and_figures_point_at_the_published_site(page):
    text = markdown_of(chapter_notebooks.chapter_notebook(page, "en", SITE))
    base = SITE.site_url
    assert f"[the basics]({base}en/basics/#backpropagation)" in text
    assert f"[below]({base}en/demo/#later)" in text
    assert "[PyTorch](https://pytorch.org/)" in text
    assert f"![a figure]({base}en/figures/dot_graph.light.svg)" in text
    assert "dark.svg" not in text
    zh = markdown_of(chapter_notebooks.chapter_notebook(page, "zh", SITE))
    assert f"[the basics]({base}basics/#backpropagation)" in zh


def test_code_cells_are_the_blocks_with_includes_expanded_and_errors_tagged(page):
    notebook = chapter_notebooks.chapter_notebook(page, "en", SITE)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.source for cell in code] == [
        "import torch\n\nx = torch.ones(2)\nprint(x)",
        "torch.arange(4, requires_grad=True)",
        expand_includes('--8<-- "snippets/exercises/chain_rule.py:function"\n').rstrip("\n"),
    ]
    assert "def f(x):" in code[2].source
    assert [cell.metadata.get("tags", []) for cell in code] == [[], ["raises-exception"], []]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_the_torch_marker_is_the_pin_in_prose_and_in_code(tmp_path):
    path = tmp_path / "pinned.md"
    path.write_text(
        "# Pinned { #pinned }\n\nOutputs from torch @@torch_version@@.\n\n"
        '```python\nprint("@@torch_version@@")\n```\n\n'
        "<!--pytest-codeblocks:expected-output-->\n\n```text\n@@torch_version@@\n```\n",
        encoding="utf-8",
    )
    notebook = chapter_notebooks.chapter_notebook(path, "en", SITE)
    assert f"Outputs from torch {torch_version()}." in markdown_of(notebook)
    assert chapter_notebooks.code_cells(notebook) == [f'print("{torch_version()}")']
    assert "@@" not in chapter_notebooks.notebook_text(notebook)


def test_a_misspelt_marker_stops_the_notebook_naming_page_and_line(tmp_path):
    path = tmp_path / "misspelt.md"
    path.write_text("# Misspelt\n\n```python\nprint('@@torch_versoin@@')\n```\n", encoding="utf-8")
    with pytest.raises(MarkdownError, match=r"misspelt\.md:4: '@@torch_versoin@@.*' is no marker"):
        chapter_notebooks.chapter_notebook(path, "en", SITE)


def test_notebook_is_valid_with_fixed_ids_and_the_python3_kernel(page):
    notebook = chapter_notebooks.chapter_notebook(page, "en", SITE)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert [cell.id for cell in notebook.cells][:3] == ["demo-000", "demo-001", "demo-002"]
    again = chapter_notebooks.notebook_text(chapter_notebooks.chapter_notebook(page, "en", SITE))
    assert chapter_notebooks.notebook_text(notebook) == again


def test_colab_link_is_derived_from_repo_url():
    assert SITE.repo_url == mkdocs_yml()["repo_url"]
    owner_repo = SITE.repo_url.removeprefix("https://github.com/")
    assert chapter_notebooks.colab_url(SITE, DOCS / "zh" / "labs" / "basics-lab.ipynb") == (
        f"https://colab.research.google.com/github/{owner_repo}/blob/main/docs/zh/labs/basics-lab.ipynb"
    )


# --------------------------------------------------------------------------------------------------
# Every chapter's notebook.


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(DOCS)))
def test_code_cells_are_the_pages_python_blocks(path):
    expected = [b.program.rstrip("\n") for b in parse_blocks(path) if not b.skip_reason]
    notebook = notebook_of(path)
    assert chapter_notebooks.code_cells(notebook) == expected
    raises = [bool(b.raises) for b in parse_blocks(path) if not b.skip_reason]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [("raises-exception" in cell.metadata.get("tags", [])) for cell in code] == raises
    nbformat.validate(notebook)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_mkdocs_syntax_reaches_a_notebook(path):
    text = markdown_of(notebook_of(path))
    for line in text.splitlines():
        bare = line.lstrip("> ")
        assert not bare.startswith(("!!!", "???", "===", "--8<--")), f"{path.name}: {line}"
        assert not re.search(r"\{ *#[\w-]+ *\}", line), f"{path.name}: {line}"
    assert "<!--" not in text
    assert "#only-dark" not in text and "#only-light" not in text
    # Outputs are dropped; other fences (if any) are kept as prose.
    fences = read_fences(path.read_text(encoding="utf-8"), path)
    outputs = {b.expected.lineno for b in parse_blocks(path) if b.expected}
    kept = [f for f, _ in fences if f.info != "python" and f.lineno not in outputs]
    assert text.count("```") == 2 * len(kept)


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_english_notebook_has_the_chinese_notebooks_code(name):
    zh = chapter_notebooks.code_cells(notebook_of(DOCS / "zh" / f"{name}.md"))
    en = chapter_notebooks.code_cells(notebook_of(DOCS / "en" / f"{name}.md"))
    assert [code_without_comments(c) for c in en] == [code_without_comments(c) for c in zh]


# --------------------------------------------------------------------------------------------------
# Running them: the venv's Python as the kernel, found without looking in the user's home.


def kernel_manager(folder: Path) -> KernelManager:
    """A kernel that talks over Unix sockets in `folder` (one folder per kernel), not TCP ports:
    jupyter_client picks TCP ports as free and the kernel binds them later, so a kernel started at
    the same moment elsewhere (a build's labs, another test) could take one and this kernel died."""
    # No kernel directories: only ipykernel's own spec, whose command is this interpreter.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs, transport="ipc", ip=str(folder / "kernel"))


def test_kernel_is_this_python_on_unix_sockets_of_its_own(tmp_path):
    manager = kernel_manager(tmp_path)
    assert manager.kernel_spec.argv[0] == sys.executable
    assert (manager.transport, manager.ip) == ("ipc", str(tmp_path / "kernel"))


def run(notebook: nbformat.NotebookNode, cwd: Path) -> str | None:
    """Run every cell in order; describe the first unexpected error, or return None."""
    km = kernel_manager(cwd)
    client = NotebookClient(
        notebook, km=km, timeout=300, allow_errors=False, resources={"metadata": {"path": str(cwd)}}
    )
    try:
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as err:
                    return f"cell {index} (id {cell.id}) raised:\n{cell.source}\n---\n{err}"
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        km.shutdown_kernel(now=True)
    return None


# One language only (the English notebooks have the same code, see above), to keep `make test` short.
RUNNABLE = [p for p in CHAPTERS + LABS if p.is_relative_to(DOCS / "zh")]


def run_from_file(path: Path, cwd: Path) -> str | None:
    notebook = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else notebook_of(path)
    try:
        return run(notebook, cwd)
    except RuntimeError as err:  # the kernel did not start or died: this notebook's test fails, not all
        return f"the kernel failed: {err}"


@pytest.fixture(scope="module")
def failures(tmp_path_factory) -> dict[Path, str | None]:
    """Every runnable notebook run once, two at a time: a kernel spends most of its time starting
    and importing torch, and this machine has two cores. Processes are started fresh: forking a pytest that already
    runs browser threads can hang."""
    with ProcessPoolExecutor(max_workers=jobs(), mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {path: pool.submit(run_from_file, path, tmp_path_factory.mktemp(path.stem)) for path in RUNNABLE}
        return {path: future.result() for path, future in runs.items()}


@pytest.mark.jupyter
@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: str(p.relative_to(DOCS)))
def test_notebook_runs_from_top_to_bottom(path, failures):
    assert failures[path] is None, f"{path.relative_to(ROOT)}: {failures[path]}"


def test_an_unexpected_error_names_the_cell(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("undefined_name"),
        ]
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"demo-{index}"
    failure = run(notebook, tmp_path)
    assert failure is not None and failure.startswith("cell 2 (id demo-2) raised") and "NameError" in failure


# --------------------------------------------------------------------------------------------------
# The lab sources.
