"""Claims of docs/*/run-yourself.md: the version it states, the index it names, and what it says of the chapters."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import multiprocessing
import os
import re
import subprocess
import venv as venv_builder
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import torch
import yaml
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from course import chapter_notebooks
from course.markdown_blocks import ROOT, expand_includes, parse_blocks
from course.site_facts import jobs
from course.steps.page_facts import MARKER, fill_in

DOCS = ROOT / "docs"
PAGES = [DOCS / "zh" / "run-yourself.md", DOCS / "en" / "run-yourself.md"]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pinned_torch() -> str:
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("torch=="):
            return line.removeprefix("torch==").strip()
    raise AssertionError("requirements.txt pins no torch")


def chapter_code(name: str) -> str:
    """Everything the Chinese page's Python blocks run, includes expanded."""
    return "".join(expand_includes(block.code) for block in parse_blocks(DOCS / "zh" / f"{name}.md"))


def chapters_whose_code(pattern: str) -> set[str]:
    return {
        path.stem
        for path in (DOCS / "zh").glob("*.md")
        if path.stem != "run-yourself" and re.search(pattern, chapter_code(path.stem))
    }


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_torch_version_the_commands_install_is_the_pin(page):
    written = page.read_text(encoding="utf-8")
    # The page writes the marker, and the build fills in the pin (course/steps/page_facts.py).
    assert set(re.findall(r"torch==(@@\w+@@|[\w.+]+)", written)) == {MARKER}
    text = fill_in(written, page)  # the page as the reader sees it
    pin = pinned_torch()
    installs = re.findall(r"torch==([\w.+]+)", text)
    assert installs and set(installs) == {pin}
    assert f"torch {pin}" in text
    # The wheel file name a reader is told to look for, and the version string the check prints.
    assert re.findall(r"torch-([\d.]+)\+cpu", text) == [pin]
    assert f"`{pin}+cpu`" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_cpu_index_is_the_one_ci_installs_from(page):
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    assert workflow["env"]["PIP_EXTRA_INDEX_URL"] == CPU_INDEX
    text = page.read_text(encoding="utf-8")
    urls = set(re.findall(r"https://download\.pytorch\.org/\S*?(?=[`\s)]|$)", text))
    assert urls == {CPU_INDEX}


def test_the_installed_torch_is_the_pinned_cpu_build():
    version = Version(torch.__version__)
    assert version.public == pinned_torch()
    assert torch.version.cuda is None, "the page says None means a build without CUDA"


def test_the_pin_without_a_label_matches_the_cpu_build_which_sorts_above_the_plain_version():
    pin = pinned_torch()
    assert Version(f"{pin}+cpu") in SpecifierSet(f"=={pin}")
    assert Version(pin) in SpecifierSet(f"=={pin}")
    assert Version(f"{pin}+cpu") > Version(pin)  # what makes --extra-index-url pick the CPU build


def test_torch_needs_python_3_10_and_does_not_bring_numpy():
    requires_python = SpecifierSet(importlib.metadata.metadata("torch")["Requires-Python"])
    assert "3.10" in requires_python and "3.9" not in requires_python
    torch_needs = {Requirement(r).name for r in importlib.metadata.requires("torch") or []}
    assert "numpy" not in torch_needs
    assert "numpy" in {Requirement(r).name for r in importlib.metadata.requires("matplotlib") or []}


HEADING = re.compile(r"^#{1,6} .*\{ #(?P<anchor>[\w-]+) \}\s*$")
CHAPTER_LINK = re.compile(r"\]\((?P<name>[\w-]+)\.md(?:#[\w-]+)?\)")


def list_item(page: Path, anchor: str, key: str) -> str:
    """The one top-level list item (``- `` and its indented lines) of section { #anchor } that key matches."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if (m := HEADING.match(line)) and m["anchor"] == anchor)
    end = next((i for i in range(start + 1, len(lines)) if HEADING.match(lines[i])), len(lines))
    items: list[list[str]] = []
    current = None
    for line in lines[start + 1 : end]:
        if line.startswith("- "):
            current = [line]
            items.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line)
        else:
            current = None
    found = ["\n".join(item) for item in items if re.search(key, "\n".join(item))]
    assert len(found) == 1, f"{page.name}: {len(found)} items of {{ #{anchor} }} match {key!r}"
    return found[0]


def assert_item_links_exactly(pattern: str, anchor: str, key: str) -> None:
    """The list item links every chapter whose code matches pattern, and no other page."""
    chapters = chapters_whose_code(pattern)
    assert chapters, f"no chapter's code matches {pattern!r}: has the pattern gone stale?"
    for page in PAGES:
        linked = {m["name"] for m in CHAPTER_LINK.finditer(list_item(page, anchor, key))}
        assert linked == chapters, (
            f"{page.parent.name}/{page.name} {{ #{anchor} }}: missing {sorted(chapters - linked)}, "
            f"extra {sorted(linked - chapters)}"
        )


# What chapters' code uses, and where the page lists those chapters: (section anchor, the list item's key).
# The chapters come from the code, so a new chapter that uses one of these fails here until the page names it.
@pytest.mark.parametrize(
    ("pattern", "anchor", "key"),
    [
        (r"\bmatplotlib\b", "pip", r"^- matplotlib"),
        (r"\bmatplotlib\b", "notebooks", r"`plt\.show\(\)`"),
        (r"\bnumpy\b|\.numpy\(\)", "pip", r"^- NumPy"),
        (r"\btorch\.func\b", "older-torch", r"^- \*\*`torch\.func`"),
        (r"\binference_mode\b", "older-torch", r"^- \*\*`torch\.inference_mode\(\)`"),
        (r"\.zero_grad\(", "older-torch", r"^- \*\*`optimizer\.zero_grad\(\)`"),
    ],
    ids=["matplotlib-install", "matplotlib-notebooks", "numpy", "torch.func", "inference_mode", "zero_grad"],
)
def test_the_page_names_the_chapters_whose_code_uses_it(pattern, anchor, key):
    assert_item_links_exactly(pattern, anchor, key)


def test_seeded_chapters_are_the_ones_named_under_random_numbers():
    assert_item_links_exactly(r"manual_seed|Generator\(\)", "older-torch", r"`manual_seed`")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_mirrors_are_simple_indexes_and_no_registry_host_is_named(page):
    text = page.read_text(encoding="utf-8")
    mirrors = re.findall(r"`(https://[^`]*/simple/?)`", text)
    assert len(set(mirrors)) == 4
    assert all(url.startswith("https://") for url in mirrors)
    for host in ("pypi.org", "pythonhosted.org", "registry.npmjs.org", "deb.debian.org"):
        assert host not in text


def images_shown(notebook) -> int:
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    )


SHOW = r"plt\.show\(\)"


def test_every_chapter_that_uses_matplotlib_calls_plt_show():
    """The page says the chapters that use matplotlib end their plots with plt.show(): all of them do."""
    assert chapters_whose_code(SHOW) == chapters_whose_code(r"\bmatplotlib\b")


def images_when_run(name: str, cwd: Path) -> int:
    """How many figures Jupyter shows for the chapter's notebook, in a kernel started as a reader's is:
    without the tests' MPLBACKEND=Agg (course/pytest_pages.py), which this spawned process alone drops."""
    os.environ.pop("MPLBACKEND", None)
    notebook = chapter_notebooks.chapter_notebook(DOCS / "zh" / f"{name}.md", "zh")
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    try:
        NotebookClient(
            notebook, km=manager, timeout=300, allow_errors=True, resources={"metadata": {"path": str(cwd)}}
        ).execute()
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return images_shown(notebook)


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, int]:
    """Each chapter that uses matplotlib, run as a notebook, two kernels at a time
    (processes started fresh: forking a pytest that already runs browser threads can hang)."""
    names = sorted(chapters_whose_code(SHOW))
    with ProcessPoolExecutor(max_workers=jobs(), mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {name: pool.submit(images_when_run, name, tmp_path_factory.mktemp(name)) for name in names}
        return {name: future.result() for name, future in runs.items()}


@pytest.mark.jupyter
@pytest.mark.parametrize("name", sorted(chapters_whose_code(SHOW)))
def test_a_chapter_s_figures_appear_under_the_cell_in_jupyter(name, images):
    assert images[name] > 0, "plt.show() in Jupyter shows the figure under the cell"


# --------------------------------------------------------------------------------------------------
# pip config, the CUDA build from PyPI, and the notebooks' cells that raise on purpose.

NEWER = ROOT / ".venvs" / "torch-2.14.1"


def pip_config_set(venv: Path, home: Path, url: str) -> str:
    """`pip config set global.index-url` run by the venv's Python, with a home folder of its own; pip's
    own package is borrowed from this interpreter (the venv is made without pip, to be quick)."""
    borrowed = home / "borrowed"
    borrowed.mkdir(exist_ok=True)
    if not (borrowed / "pip").exists():
        (borrowed / "pip").symlink_to(Path(importlib.import_module("pip").__file__).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONPATH=str(borrowed))
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "config", "set", "global.index-url", url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr


def test_pip_config_set_writes_to_the_venv_s_file_if_it_exists_and_else_to_the_user_file(tmp_path):
    venv, home = tmp_path / "venv", tmp_path / "home"
    home.mkdir()
    venv_builder.EnvBuilder(with_pip=False).create(venv)
    said = pip_config_set(venv, home, "https://first.example/simple")
    user_file = home / ".config" / "pip" / "pip.conf"
    assert f"Writing to {user_file}" in said and "first.example" in user_file.read_text()
    (venv / "pip.conf").touch()
    said = pip_config_set(venv, home, "https://second.example/simple")
    assert f"Writing to {venv / 'pip.conf'}" in said and "second.example" in (venv / "pip.conf").read_text()
    assert "second.example" not in user_file.read_text()


def test_the_version_string_the_page_quotes_for_torch_from_pypi_is_the_recorded_one():
    """PyPI's wheel is plain 2.14.1 to pip; torch.__version__ of that install is what make versions recorded."""
    data = json.loads((ROOT / "versions" / "torch-versions.json").read_text(encoding="utf-8"))
    quoted = {m for page in PAGES for m in re.findall(r"`(\+cu\d+)`", page.read_text(encoding="utf-8"))}
    assert quoted == {"+" + data["versions"]["2.14.1"]["torch"].split("+")[1]}
    for release in ("2.14.1", "2.0.1", "1.12.0"):  # installed from PyPI: each reports its CUDA version
        assert re.fullmatch(rf"{re.escape(release)}\+cu\d+", data["versions"][release]["torch"])


@pytest.mark.skipif(not NEWER.exists(), reason="no .venvs/torch-2.14.1 (made by `make versions`)")
def test_torch_2_14_1_from_pypi_brings_18_nvidia_or_cuda_packages_and_triton_about_4_gb():
    site = next(NEWER.glob("lib/python3.*/site-packages"))
    assert "Version: 2.14.1\n" in (site / "torch-2.14.1.dist-info" / "METADATA").read_text(encoding="utf-8")
    cuda = [p.name for p in site.glob("*.dist-info") if re.match(r"(nvidia|cuda)_", p.name)]
    assert len(cuda) == 18
    assert list(site.glob("triton-*.dist-info"))
    folders = [site / "nvidia", site / "triton", *site.glob("cuda")]
    size = sum(f.stat().st_size for folder in folders for f in folder.rglob("*") if f.is_file())
    assert 3.5e9 < size < 4.6e9, size


def test_a_cell_tagged_raises_exception_does_not_cancel_the_cells_queued_after_it():
    """JupyterLab and Jupyter Notebook send a cell tagged raises-exception with stop_on_error off (their
    OutputArea.execute); Run All queues every cell at once. The kernel then runs the next one."""
    manager = KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    )
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        statuses = {}
        for stop in (True, False):
            failing = client.execute("1 / 0", stop_on_error=stop)
            following = client.execute("print('next cell')")
            replies = {}
            while len(replies) < 2:
                reply = client.get_shell_msg(timeout=60)
                replies[reply["parent_header"]["msg_id"]] = reply["content"]["status"]
            statuses[stop] = (replies[failing], replies[following])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert statuses == {True: ("error", "aborted"), False: ("error", "ok")}


def test_a_chapter_block_that_raises_becomes_a_cell_tagged_raises_exception():
    notebook = chapter_notebooks.chapter_notebook(DOCS / "zh" / "forward-mode.md", "zh")
    tagged = [cell for cell in notebook.cells if "raises-exception" in cell.metadata.get("tags", [])]
    assert len(tagged) == sum(1 for block in parse_blocks(DOCS / "zh" / "forward-mode.md") if block.raises) == 1
