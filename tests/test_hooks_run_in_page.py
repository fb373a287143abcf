"""course/steps/run_in_page.py: which blocks run in the page, how the HTML marks them, what the build publishes."""

import inspect
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from course.steps import run_in_page

ROOT = Path(__file__).resolve().parents[1]

PAGE = textwrap.dedent(
    """\
    ```python
    x = 1  # as torch.relu does: a comment does not count
    print("torch")
    ```

    <!--pytest-codeblocks:expected-output-->

    ```text
    torch
    ```

    <!--pytest-codeblocks:cont-->

    ```python
    import torch
    ```

    <!--pytest-codeblocks:cont-->
    <!-- raises: ZeroDivisionError -->

    ```python
    x / 0
    ```

    ```python
    import matplotlib.pyplot as plt
    ```
    """
)


@pytest.fixture
def page(tmp_path) -> Path:
    path = tmp_path / "page.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_a_block_runs_in_the_page_unless_its_code_names_torch_matplotlib_or_numpy():
    assert run_in_page.local_modules("x = 1  # torch.relu\ns = 'numpy'\n") == []
    assert run_in_page.local_modules("import torch\nimport numpy as np\n") == ["numpy", "torch"]
    assert run_in_page.local_modules("y = torch.zeros(3)\n") == ["torch"]
    assert run_in_page.local_modules("def f(:\n  torch") == ["torch"]  # cannot tokenize: names anyway


def test_blocks_carry_their_chain_raises_and_checked_output(page):
    blocks = run_in_page.runnable_blocks(page)
    assert [(b["chain"], b["local"], b["raises"]) for b in blocks] == [
        (0, [], None),
        (0, ["torch"], None),
        (0, [], "ZeroDivisionError"),
        (1, ["matplotlib"], None),
    ]
    assert blocks[0]["expected"] == "torch\n"


def html_of(count: int) -> str:
    return "".join(
        f'<div class="language-python highlight"><pre><code>{i}</code></pre></div>\n'
        f'<div class="language-text highlight"><pre><code>out</code></pre></div>\n'
        for i in range(count)
    )


def test_annotate_marks_each_block_and_puts_a_note_before_torch_blocks(page):
    blocks = run_in_page.runnable_blocks(page)
    html = run_in_page.annotate(html_of(4), blocks, "blocks", "en", "../run-yourself/", "page.md")
    assert html.count('data-run="page"') == 2 and html.count('data-run="local"') == 2
    assert 'data-raises="ZeroDivisionError"' in html
    assert html.count('<p class="run-local">') == 2
    assert (
        'needs torch, so it runs only on your own computer: see <a href="../run-yourself/">Run it yourself</a>' in html
    )
    assert "动手运行" in run_in_page.annotate(html_of(4), blocks, "blocks", "zh", "x", "page.md")


def test_the_playground_marks_the_engine_and_the_examples(page):
    blocks = run_in_page.runnable_blocks(page)
    html = run_in_page.annotate(html_of(4), blocks, "playground", "en", "x", "page.md")
    assert html.count('data-run="engine"') == 1 and html.count('data-run="example"') == 3
    assert "run-local" not in html


def test_a_block_count_that_differs_from_the_html_stops_the_build(page):
    with pytest.raises(PluginError, match="page.md: 4 python blocks in the Markdown, 3 in the HTML"):
        run_in_page.annotate(html_of(3), run_in_page.runnable_blocks(page), "blocks", "en", "x", "page.md")


def test_an_unknown_mode_stops_the_build():
    page = SimpleNamespace(meta={"run_in_page": "yes"}, file=SimpleNamespace(src_uri="a.md"))
    with pytest.raises(PluginError, match="a.md: run_in_page must be one of"):
        run_in_page.mode_of(page)
    assert run_in_page.mode_of(SimpleNamespace(meta={})) is None


def test_the_build_publishes_the_pinned_runtime_unchanged(tmp_path):
    (tmp_path / "docs").mkdir()
    config = MkDocsConfig()
    config.load_dict({"site_name": "t", "docs_dir": str(tmp_path / "docs"), "site_dir": str(tmp_path / "site")})
    assert config.validate() == ([], [])
    # What MkDocs sets while it runs a plugin's event (private; CONTRIBUTING.md, "... internals").
    assert "config.plugins._current_plugin" in inspect.getsource(File.generated), (
        "MkDocs' File.generated no longer reads config.plugins._current_plugin"
    )
    config.plugins._current_plugin = "run_in_page"
    files = run_in_page.on_files(Files([]), config)
    published = {f.src_uri: Path(f.abs_src_path) for f in files}
    assert sorted(published) == ["runtime/micropython.mjs", "runtime/micropython.wasm"]
    for name, path in published.items():
        assert path.read_bytes() == (run_in_page.PACKAGE / name.split("/")[1]).read_bytes()


def test_a_missing_package_names_the_command_that_installs_it(tmp_path, monkeypatch):
    monkeypatch.setattr(run_in_page, "PACKAGE", tmp_path)
    with pytest.raises(PluginError, match="npm ci"):
        run_in_page.on_files(Files([]), MkDocsConfig())


def test_the_pin_in_package_json_is_exact():
    import json

    pins = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert pins["@micropython/micropython-webassembly-pyscript"] == "1.27.0"
    installed = json.loads((run_in_page.PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == "1.27.0"


@pytest.mark.parametrize("name", ["from-scratch.md", "forward-mode.md", "playground.md"])
def test_both_languages_run_the_same_blocks(name):
    zh, en = (run_in_page.runnable_blocks(ROOT / "docs" / lang / name) for lang in ("zh", "en"))
    assert [(b["chain"], b["local"], b["raises"]) for b in zh] == [(b["chain"], b["local"], b["raises"]) for b in en]
    assert any(not b["local"] for b in zh)
